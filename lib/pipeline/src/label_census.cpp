#include "label_census.hpp"

#include "infobound/estimate/ngram.hpp"
#include "label_plan.hpp"

namespace infobound::pipeline {
namespace {

template <typename Visit>
void for_each_sequence_rows(const StudyConfig& config, const corpus::TokenizedCorpus& corpus, Visit&& visit) {
  const estimate::LabelPlan label_plan = label_plan_of(config);
  for (int64_t s = 0; s < corpus.n_sequences(); ++s) {
    const estimate::SequenceTokens sequence{corpus.sequence(s), corpus.sequence_preference(s), 0};
    const estimate::BatchRows rows =
        estimate::select_rows(std::span(&sequence, 1), static_cast<int64_t>(sequence.ids.size()), label_plan);
    if (rows.size() > 0) visit(rows);
  }
}

}  // namespace

estimate::LabelCounter count_corpus_labels(const StudyConfig& config, const corpus::TokenizedCorpus& corpus, int64_t owner,
                                           int64_t n_owners) {
  estimate::LabelCounter counter(label_plan_of(config).specs(), owner, n_owners);
  for_each_sequence_rows(config, corpus, [&](const estimate::BatchRows& rows) { counter.add(rows.labels, rows.valid); });
  return counter;
}

int64_t count_estimator_rows(const StudyConfig& config, const corpus::TokenizedCorpus& corpus) {
  int64_t rows = 0;
  for_each_sequence_rows(config, corpus, [&](const estimate::BatchRows& batch) { rows += batch.size(); });
  return rows;
}

}  // namespace infobound::pipeline
