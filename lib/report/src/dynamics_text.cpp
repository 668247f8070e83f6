#include "dynamics_text.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "curve_shape.hpp"
#include "figures.hpp"

namespace infobound::report {
namespace {

// The late phase starts at the first checkpoint whose held-out loss is within 10% of the total
// improvement of the final loss: from there on prediction improves slowly, which is the phase the
// paper's compression claim is about. Without losses: the last third of the checkpoints.
struct LatePhase {
  std::size_t start = 0;
  std::string why;
};

LatePhase late_phase(const std::vector<const Trajectory*>& list) {
  const std::size_t last = list.size() - 1;
  bool losses = true;
  for (const auto* t : list) losses = losses && std::isfinite(t->loss);
  LatePhase phase;
  if (losses && list.front()->loss - list.back()->loss > 0.02) {
    const double total = list.front()->loss - list.back()->loss;
    phase.start = last;
    for (std::size_t i = 0; i <= last; ++i)
      if (list[i]->loss - list.back()->loss <= 0.1 * total) {
        phase.start = i;
        break;
      }
    if (phase.start >= last) {
      phase.start = last - 1;
      phase.why = "the held-out loss is still falling at the last checkpoint (" + format_value(list[last - 1]->loss) + " -> " +
                  format_value(list[last]->loss) + " nats/token in the last interval), so this is only the last interval";
    } else {
      phase.why = "from here the held-out loss is within 10% of its total improvement (" + format_value(total) +
                  " nats/token) of its final value";
    }
  } else {
    phase.start = std::min<std::size_t>(last - 1, (2 * list.size()) / 3);
    phase.why = losses ? "the held-out loss does not improve, so the late phase is the last third of the checkpoints"
                       : "no held-out loss, so the late phase is the last third of the checkpoints";
  }
  return phase;
}

double layer_value(const Trajectory& t, int64_t layer, OrderValues LayerValues::*field, int order) {
  for (const auto& l : t.layers)
    if (l.layer == layer) return (l.*field)[order - 1];
  return kMissing;
}

}  // namespace

ModelDynamics describe_model_dynamics(const std::vector<const Trajectory*>& list, const Trajectory* initial, int order) {
  ModelDynamics out;
  if (list.size() < 2) return out;
  const std::size_t last = list.size() - 1;
  std::vector<double> complexity, expressivity, loss;
  std::vector<std::string> labels;
  bool have_loss = true;
  for (const auto* t : list) {
    complexity.push_back(t->block_mean(&LayerValues::complexity, order));
    expressivity.push_back(t->block_mean(&LayerValues::expressivity, order));
    loss.push_back(t->loss);
    labels.push_back(t->checkpoint_label());
    have_loss = have_loss && std::isfinite(t->loss);
  }
  const auto& model = list.front()->model;
  std::string& text = out.text;
  text = "**" + model + "** (" + std::to_string(list.size()) + " checkpoints, " + labels.front() + " to " + labels.back() +
         "; mean over its " + std::to_string(list.front()->n_layers) + " block layers, order " + std::to_string(order) + "). ";
  if (initial)
    text += "At initialisation (" + initial->checkpoint_label() + ", not on the log axis) complexity is " +
            format_value(initial->block_mean(&LayerValues::complexity, order)) + " and expressivity " +
            format_value(initial->block_mean(&LayerValues::expressivity, order)) + ". ";
  // Complexity and expressivity share one tolerance (the same units), so "holds" means the same
  // for both.
  std::vector<double> both = complexity;
  both.insert(both.end(), expressivity.begin(), expressivity.end());
  const double tolerance = curve_tolerance(both);
  text += describe_curve("Complexity", complexity, labels, classify_curve(complexity, tolerance)) + " ";
  text += describe_curve("Expressivity", expressivity, labels, classify_curve(expressivity, tolerance)) + " ";
  if (have_loss)
    text +=
        describe_curve("Held-out loss (nats/token)", loss, labels, classify_curve(loss, curve_tolerance(loss, 0.02, 0.01))) + " ";

  const LatePhase phase = late_phase(list);
  const auto* a = list[phase.start];
  const auto* b = list[last];
  const double dc = complexity[last] - complexity[phase.start], de = expressivity[last] - expressivity[phase.start];
  text += "Late training, " + labels[phase.start] + " to " + labels[last] + " (" + phase.why + "): complexity " +
          format_value(complexity[phase.start]) + " -> " + format_value(complexity[last]) + " (" + signed_value(dc) +
          "), expressivity " + format_value(expressivity[phase.start]) + " -> " + format_value(expressivity[last]) + " (" +
          signed_value(de) + ")";
  // Which layers carry the late change.
  double low = INFINITY, high = -INFINITY;
  int64_t low_layer = -1, high_layer = -1, layers = 0;
  for (int64_t l = 1; l <= b->n_layers; ++l) {
    const double d = layer_value(*b, l, &LayerValues::complexity, order) - layer_value(*a, l, &LayerValues::complexity, order);
    if (!std::isfinite(d)) continue;
    ++layers;
    if (d < low) low = d, low_layer = l;
    if (d >= high) high = d, high_layer = l;
  }
  if (layers > 1)
    text += "; per layer, complexity changes by " + signed_value(low) + " at layer " + std::to_string(low_layer) + " and by " +
            signed_value(high) + " at layer " + std::to_string(high_layer);
  else if (layers == 1) text += "; the one block layer's complexity changes by " + signed_value(low);
  text += ". ";
  const std::string tol = format_value(tolerance, 2);
  if (dc < -tolerance && de >= -tolerance) {
    out.verdict = LateVerdict::compresses;
    text += "Complexity falls by more than the tolerance (" + tol + ") while expressivity " +
            std::string(de > tolerance ? "rises" : "holds within it") + ": the late checkpoints compress, as the paper reports.";
  } else if (dc < -tolerance) {
    out.verdict = LateVerdict::both_fall;
    text += "Complexity falls, but expressivity falls too (both by more than " + tol +
            "): the late checkpoints lose information about the continuation as well, which is not the compression the paper "
            "reports (falling complexity with held or rising expressivity).";
  } else if (dc > tolerance) {
    out.verdict = LateVerdict::expands;
    text += "Complexity rises by more than the tolerance (" + tol +
            "): the data do not show the late compression the paper reports (falling complexity with held or rising "
            "expressivity).";
  } else {
    out.verdict = LateVerdict::holds;
    text += "Complexity holds within the tolerance (" + tol +
            "): the data do not show the late compression the paper reports (falling complexity with held or rising "
            "expressivity).";
  }
  return out;
}

std::string late_compression_summary(const std::vector<std::pair<std::string, LateVerdict>>& verdicts) {
  std::map<LateVerdict, std::vector<std::string>> by;
  std::size_t judged = 0;
  for (const auto& [model, verdict] : verdicts)
    if (verdict != LateVerdict::too_short) by[verdict].push_back(model), ++judged;
  if (judged == 0) return "";
  auto list = [](const std::vector<std::string>& names) {
    std::string s;
    for (std::size_t i = 0; i < names.size(); ++i) s += (i ? (i + 1 == names.size() ? " and " : ", ") : "") + names[i];
    return s;
  };
  const auto& yes = by[LateVerdict::compresses];
  std::string text = "Late compression (complexity falls, expressivity holds or rises): " + std::to_string(yes.size()) + " of " +
                     std::to_string(judged) + " models" + (yes.empty() ? "" : " (" + list(yes) + ")") + ".";
  if (!by[LateVerdict::both_fall].empty())
    text += " Complexity and expressivity both fall late in " + list(by[LateVerdict::both_fall]) + ".";
  if (!by[LateVerdict::expands].empty()) text += " Complexity rises late in " + list(by[LateVerdict::expands]) + ".";
  if (!by[LateVerdict::holds].empty()) text += " Complexity holds late in " + list(by[LateVerdict::holds]) + ".";
  return text;
}

}  // namespace infobound::report
