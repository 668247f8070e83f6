#pragma once
// The token-only counting pass over a tokenized corpus with the estimator's own row layout: which
// label keys occur more than once (they get table rows) and how many there are (the planner's
// memory figures). One home, so that plan and extract count alike.
#include <cstdint>

#include "infobound/core/config.hpp"
#include "infobound/corpus/sequences.hpp"
#include "infobound/estimate/accumulator.hpp"

namespace infobound::pipeline {

// With n_owners > 1 only the keys that `owner` holds are counted.
estimate::LabelCounter count_corpus_labels(const StudyConfig& config, const corpus::TokenizedCorpus& corpus, int64_t owner = 0,
                                           int64_t n_owners = 1);

// Estimator rows of the corpus (positions inside the n-gram window).
int64_t count_estimator_rows(const StudyConfig& config, const corpus::TokenizedCorpus& corpus);

}  // namespace infobound::pipeline
