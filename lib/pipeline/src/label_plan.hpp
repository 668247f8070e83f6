#pragma once
// The estimator's label layout for a study config.
#include "infobound/core/config.hpp"
#include "infobound/estimate/ngram.hpp"

namespace infobound::pipeline {

inline estimate::LabelPlan label_plan_of(const StudyConfig& config) {
  estimate::LabelPlan plan;
  plan.input_orders = config.estimator.orders;
  plan.output_orders = config.estimator.orders;
  plan.preference = config.preference_enabled();
  plan.window = config.estimator.window == WindowMode::per_order ? estimate::WindowMode::per_order : estimate::WindowMode::soft_h;
  return plan;
}

}  // namespace infobound::pipeline
