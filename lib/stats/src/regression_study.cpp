#include "infobound/stats/regression_study.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "infobound/core/error.hpp"

namespace infobound::stats {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string name_without_organisation(const std::string& canonical) {
  const auto slash = canonical.rfind('/');
  return slash == std::string::npos ? canonical : canonical.substr(slash + 1);
}

std::optional<int64_t> step_number(const std::string& checkpoint) {
  // "step1000", "stage1-step5000-tokens21B", "1000"
  const std::string s = lower(checkpoint);
  std::size_t at = s.find("step");
  std::size_t begin = at == std::string::npos ? 0 : at + 4;
  if (at == std::string::npos && (s.empty() || !std::all_of(s.begin(), s.end(), ::isdigit))) return std::nullopt;
  std::size_t end = begin;
  while (end < s.size() && std::isdigit(static_cast<unsigned char>(s[end]))) ++end;
  if (end == begin) return std::nullopt;
  return std::stoll(s.substr(begin, end - begin));
}

bool is_final_checkpoint(const std::string& checkpoint) {
  const std::string c = lower(checkpoint);
  return c.empty() || c == "main" || c == "final";
}

std::string observation_name(const Observation& o) { return o.model + (o.checkpoint.empty() ? "" : "@" + o.checkpoint); }

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

}  // namespace

LayerSelection LayerSelection::parse(const std::string& text) {
  LayerSelection s;
  if (text == "mean") return s;
  if (text == "last") {
    s.mode = Mode::last;
    return s;
  }
  if (text.rfind("fraction:", 0) == 0) {
    s.mode = Mode::fraction;
    try {
      std::size_t used = 0;
      s.fraction = std::stod(text.substr(9), &used);
      if (used != text.size() - 9) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      throw UsageError("--layer " + text + ": expected fraction:F with F in [0, 1]");
    }
    if (!(s.fraction >= 0 && s.fraction <= 1)) throw UsageError("--layer " + text + ": the fraction must be in [0, 1]");
    return s;
  }
  if (!text.empty() && std::all_of(text.begin(), text.end(), ::isdigit)) {
    s.mode = Mode::index;
    s.index = std::stoll(text);
    return s;
  }
  throw UsageError("--layer '" + text + "': expected mean, last, a layer index or fraction:F");
}

std::string LayerSelection::describe() const {
  switch (mode) {
    case Mode::mean_blocks: return "mean over the block layers 1..L (embedding layer 0 excluded)";
    case Mode::last: return "last layer L";
    case Mode::index: return "layer " + std::to_string(index);
    case Mode::fraction: return "layer round(" + std::to_string(fraction) + " L)";
  }
  return "";
}

std::string slugify(const std::string& name) {
  std::string slug;
  for (const unsigned char c : name) {
    if (std::isalnum(c)) slug.push_back(static_cast<char>(std::tolower(c)));
    else if (!slug.empty() && slug.back() != '_') slug.push_back('_');
  }
  while (!slug.empty() && slug.back() == '_') slug.pop_back();
  return slug.empty() ? "benchmark" : slug;
}

std::vector<std::string> resolve_predictor_columns(const io::CsvTable& metrics, const RegressionOptions& options) {
  std::vector<std::string> columns;
  for (const auto& name : options.predictors) {
    const std::string with_order = name + "_" + std::to_string(options.order);
    if (metrics.find_column(with_order)) columns.push_back(with_order);
    else if (metrics.find_column(name)) columns.push_back(name);
    else {
      std::string available;
      for (const auto& h : metrics.header()) available += (available.empty() ? "" : ", ") + h;
      throw UsageError("predictor '" + name + "': metrics.csv has neither '" + with_order + "' nor '" + name +
                       "' (columns: " + available + ")");
    }
  }
  if (std::set<std::string>(columns.begin(), columns.end()).size() != columns.size())
    throw UsageError("a predictor is named twice");
  return columns;
}

std::vector<Observation> collect_observations(const io::CsvTable& metrics, const std::vector<std::string>& columns,
                                              const LayerSelection& layer, std::vector<std::string>& notes) {
  const std::size_t model_col = metrics.column("model"), family_col = metrics.column("family"),
                    checkpoint_col = metrics.column("checkpoint"), layer_col = metrics.column("layer"),
                    n_layers_col = metrics.column("n_layers"), params_col = metrics.column("params"),
                    tokens_col = metrics.column("tokens_seen"), step_col = metrics.column("step");
  std::vector<std::size_t> value_cols;
  for (const auto& c : columns) value_cols.push_back(metrics.column(c));

  std::vector<Observation> observations;
  std::map<std::pair<std::string, std::string>, std::size_t> index;
  std::vector<std::vector<std::size_t>> rows_of;
  for (std::size_t r = 0; r < metrics.num_rows(); ++r) {
    const auto key = std::make_pair(metrics.cell(r, model_col), metrics.cell(r, checkpoint_col));
    const auto [it, inserted] = index.try_emplace(key, observations.size());
    if (inserted) {
      Observation o;
      o.model = key.first;
      o.checkpoint = key.second;
      o.family = metrics.cell(r, family_col);
      o.params = metrics.number(r, params_col);
      o.tokens = metrics.number(r, tokens_col);
      o.step = metrics.number(r, step_col);
      observations.push_back(o);
      rows_of.emplace_back();
    }
    rows_of[it->second].push_back(r);
  }

  for (std::size_t i = 0; i < observations.size(); ++i) {
    Observation& o = observations[i];
    std::vector<std::size_t> chosen;
    for (const std::size_t r : rows_of[i]) {
      const auto l = metrics.number(r, layer_col), n_layers = metrics.number(r, n_layers_col);
      if (!l || !n_layers) continue;
      const auto li = std::llround(*l), L = std::llround(*n_layers);
      bool take = false;
      switch (layer.mode) {
        case LayerSelection::Mode::mean_blocks: take = li >= 1 && li <= L; break;
        case LayerSelection::Mode::last: take = li == L; break;
        case LayerSelection::Mode::index: take = li == layer.index; break;
        case LayerSelection::Mode::fraction: take = li == std::llround(layer.fraction * static_cast<double>(L)); break;
      }
      if (take) chosen.push_back(r);
    }
    if (chosen.empty()) {
      notes.push_back(observation_name(o) + ": no metrics row for " + layer.describe() + "; left out");
      continue;
    }
    for (std::size_t c = 0; c < columns.size(); ++c) {
      std::vector<double> values;
      for (const std::size_t r : chosen)
        if (const auto v = metrics.number(r, value_cols[c])) values.push_back(*v);
      if (values.size() == chosen.size()) o.values[columns[c]] = mean(values);
      else
        notes.push_back(observation_name(o) + ": '" + columns[c] +
                        "' is empty on some selected layers; left out of regressions that use it");
    }
  }
  return observations;
}

namespace {

// How a benchmark record found its candidate observations; a lower rank wins an observation
// that two records claim (the record naming today's hub id beats one naming a renamed id).
struct Candidates {
  std::vector<std::size_t> observations;
  std::string rule;
  int rank = 4;
  std::string failure;  // set when no candidate could be found, or the name is ambiguous
};

Candidates find_candidates(const std::vector<Observation>& observations, const BenchmarkRecord& record,
                           const std::map<std::string, std::string>& aliases) {
  Candidates found;
  auto collect = [&](auto&& accept, std::string rule, int rank) {
    for (std::size_t o = 0; o < observations.size(); ++o)
      if (accept(observations[o])) found.observations.push_back(o);
    if (!found.observations.empty()) {
      found.rule = std::move(rule);
      found.rank = rank;
    }
    return !found.observations.empty();
  };
  auto ids_of = [](const Observation& o) {
    std::vector<std::string> ids{o.model};
    if (!o.hub.empty()) ids.push_back(o.hub);
    if (!o.repo.empty()) ids.push_back(o.repo);
    return ids;
  };
  auto any_id = [&](const Observation& o, auto&& equal) {
    for (const auto& id : ids_of(o))
      if (equal(id)) return true;
    return false;
  };

  if (const auto alias = aliases.find(record.model); alias != aliases.end()) {
    const std::string target = alias->second;
    if (collect(
            [&](const Observation& o) {
              return any_id(o, [&](const std::string& id) { return normalised_hub_id(id) == normalised_hub_id(target); });
            },
            "alias", 0))
      return found;
    found.failure = "unmatched: --alias names '" + target + "', which is neither a model nor a hub id of metrics.csv";
    return found;
  }
  const std::string wanted = normalised_hub_id(record.model), current = current_hub_id(record.model);
  if (collect(
          [&](const Observation& o) { return any_id(o, [&](const std::string& id) { return normalised_hub_id(id) == wanted; }); },
          "same id", 1))
    return found;
  if (collect(
          [&](const Observation& o) { return any_id(o, [&](const std::string& id) { return current_hub_id(id) == current; }); },
          "same id after a Hub rename", 2))
    return found;
  // Observations without a hub identity (local models, hand-made tables) by name alone.
  const std::string name = name_without_organisation(current);
  std::set<std::string> models;
  collect(
      [&](const Observation& o) {
        const bool same = o.hub.empty() && o.repo.empty() && name_without_organisation(current_hub_id(o.model)) == name;
        if (same) models.insert(o.model);
        return same;
      },
      "same name without organisation", 3);
  if (models.size() > 1) {
    found.observations.clear();
    found.failure = "unmatched: '" + name + "' names " + std::to_string(models.size()) + " models of metrics.csv; add --alias";
  } else if (found.observations.empty()) {
    found.failure = "unmatched: no model with hub id '" + record.model + "' in metrics.csv";
  }
  return found;
}

}  // namespace

std::vector<MatchRow> match_records(const std::vector<Observation>& observations, const BenchmarkSet& benchmarks,
                                    const std::map<std::string, std::string>& aliases,
                                    std::vector<std::pair<std::size_t, std::size_t>>& pairs) {
  const std::size_t n = benchmarks.records.size();
  std::vector<MatchRow> rows(n);
  std::vector<Candidates> found(n);
  std::vector<std::size_t> order(n);
  for (std::size_t r = 0; r < n; ++r) {
    const BenchmarkRecord& record = benchmarks.records[r];
    rows[r].benchmark_model = record.model;
    rows[r].benchmark_checkpoint = record.checkpoint.value_or("");
    rows[r].source = record.source;
    found[r] = find_candidates(observations, record, aliases);
    order[r] = r;
  }
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return found[a].rank < found[b].rank; });

  std::map<std::size_t, std::string> taken;  // observation -> source that took it
  for (const std::size_t r : order) {
    const BenchmarkRecord& record = benchmarks.records[r];
    MatchRow& row = rows[r];
    const std::vector<std::size_t>& candidates = found[r].observations;
    if (candidates.empty()) {
      row.status = found[r].failure;
      continue;
    }
    std::string rule = found[r].rule;
    std::optional<std::size_t> chosen;
    if (record.checkpoint && !is_final_checkpoint(*record.checkpoint)) {
      for (const std::size_t o : candidates)
        if (observations[o].revision == *record.checkpoint || observations[o].checkpoint == *record.checkpoint) chosen = o;
      if (chosen) rule += ", same checkpoint";
      const auto wanted = step_number(*record.checkpoint);
      if (!chosen && wanted) {
        for (const std::size_t o : candidates) {
          const auto step = observations[o].step ? std::optional<int64_t>(std::llround(*observations[o].step))
                                                 : step_number(observations[o].checkpoint);
          if (step && *step == *wanted) chosen = o;
        }
        if (chosen) rule += ", same step";
      }
      if (!chosen) {
        row.status = "unmatched: model found, checkpoint '" + *record.checkpoint + "' not in metrics.csv";
        continue;
      }
    } else {
      for (const std::size_t o : candidates)
        if (is_final_checkpoint(observations[o].checkpoint) || observations[o].revision == "main") chosen = o;
      if (chosen) rule += ", final weights";
      else if (candidates.size() == 1) {
        chosen = candidates[0];
        rule += ", only checkpoint";
      } else {
        // No revision in the benchmark source: it scored the published (latest) weights.
        chosen = *std::max_element(candidates.begin(), candidates.end(), [&](std::size_t a, std::size_t b) {
          return observations[a].tokens.value_or(-1) < observations[b].tokens.value_or(-1);
        });
        rule += ", latest checkpoint (most tokens seen)";
      }
    }
    if (const auto previous = taken.find(*chosen); previous != taken.end()) {
      row.status = "unmatched: " + observation_name(observations[*chosen]) + " already matched by " + previous->second;
      continue;
    }
    taken[*chosen] = record.source;
    row.model = observations[*chosen].model;
    row.checkpoint = observations[*chosen].checkpoint;
    row.status = "matched";
    row.rule = rule;
    pairs.emplace_back(*chosen, r);
  }
  std::sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  return rows;
}

namespace {

struct Dataset {
  std::vector<std::size_t> observation;  // index into observations
  Eigen::VectorXd score;
  Eigen::MatrixXd predictors;  // [n, P]
  Eigen::MatrixXd controls;    // [n, C]
  std::vector<std::string> control_names;
  std::vector<std::string> family;
};

Eigen::MatrixXd design_matrix(const Eigen::MatrixXd& predictors, const Eigen::MatrixXd& controls,
                              const std::vector<std::string>& family, const std::vector<std::string>& fe_levels) {
  const Eigen::Index n = predictors.rows();
  const Eigen::Index fe = fe_levels.empty() ? 0 : static_cast<Eigen::Index>(fe_levels.size()) - 1;
  Eigen::MatrixXd X(n, 1 + predictors.cols() + controls.cols() + fe);
  X.col(0).setOnes();
  X.block(0, 1, n, predictors.cols()) = predictors;
  X.block(0, 1 + predictors.cols(), n, controls.cols()) = controls;
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index f = 1; f <= fe; ++f)
      X(i, 1 + predictors.cols() + controls.cols() + f - 1) = family[i] == fe_levels[f] ? 1.0 : 0.0;
  return X;
}

Eigen::MatrixXd select_rows(const Eigen::MatrixXd& m, const std::vector<Eigen::Index>& rows) {
  Eigen::MatrixXd out(static_cast<Eigen::Index>(rows.size()), m.cols());
  for (std::size_t i = 0; i < rows.size(); ++i) out.row(static_cast<Eigen::Index>(i)) = m.row(rows[i]);
  return out;
}

LofoResult leave_one_family_out(const Dataset& data, const std::vector<std::string>& families) {
  LofoResult result;
  if (families.size() < 2) {
    result.notes.push_back("one family only: no leave-one-family-out prediction");
    return result;
  }
  const Eigen::Index n = data.score.size();
  double se_full = 0, ae_full = 0, se_controls = 0;
  for (const auto& family : families) {
    std::vector<Eigen::Index> train, test;
    for (Eigen::Index i = 0; i < n; ++i) (data.family[i] == family ? test : train).push_back(i);
    try {
      const Eigen::VectorXd y_train = select_rows(data.score, train);
      const Eigen::MatrixXd P_train = select_rows(data.predictors, train), C_train = select_rows(data.controls, train);
      std::vector<std::string> names(1 + P_train.cols() + C_train.cols(), "x");
      names[0] = "const";
      for (std::size_t k = 1; k < names.size(); ++k) names[k] = "column " + std::to_string(k);
      const Eigen::MatrixXd X_train = design_matrix(P_train, C_train, {}, {});
      const OlsFit full = fit_ols(X_train, y_train, names);
      Eigen::MatrixXd Xc_train(X_train.rows(), 1 + C_train.cols());
      Xc_train << Eigen::VectorXd::Ones(X_train.rows()), C_train;
      const OlsFit controls_only =
          fit_ols(Xc_train, y_train, std::vector<std::string>(names.begin(), names.begin() + 1 + C_train.cols()));
      const Eigen::MatrixXd X_test = design_matrix(select_rows(data.predictors, test), select_rows(data.controls, test), {}, {});
      Eigen::MatrixXd Xc_test(X_test.rows(), 1 + C_train.cols());
      Xc_test << Eigen::VectorXd::Ones(X_test.rows()), select_rows(data.controls, test);
      const Eigen::VectorXd y_test = select_rows(data.score, test);
      const Eigen::VectorXd error = X_test * full.coefficients - y_test;
      const Eigen::VectorXd error_controls = Xc_test * controls_only.coefficients - y_test;
      LofoFold fold;
      fold.family = family;
      fold.n = static_cast<int64_t>(test.size());
      fold.rmse = std::sqrt(error.squaredNorm() / static_cast<double>(test.size()));
      fold.rmse_controls_only = std::sqrt(error_controls.squaredNorm() / static_cast<double>(test.size()));
      result.folds.push_back(fold);
      se_full += error.squaredNorm();
      ae_full += error.cwiseAbs().sum();
      se_controls += error_controls.squaredNorm();
      result.n_predicted += fold.n;
    } catch (const DegenerateRegression& e) {
      result.notes.push_back("without " + family + ": " + e.what());
    }
  }
  if (result.n_predicted > 0) {
    result.rmse = std::sqrt(se_full / static_cast<double>(result.n_predicted));
    result.mae = ae_full / static_cast<double>(result.n_predicted);
    result.rmse_controls_only = std::sqrt(se_controls / static_cast<double>(result.n_predicted));
  }
  return result;
}

// The observations with a score for `benchmark`, positive scale controls and every predictor; a
// control that does not vary (all final checkpoints of one recipe share the token count) is
// absorbed by the intercept, so it is dropped and named in `dropped`.
Dataset benchmark_dataset(const std::string& benchmark, const RegressionStudy& study,
                          const std::vector<std::pair<std::size_t, std::size_t>>& pairs, const BenchmarkSet& benchmarks,
                          std::vector<std::string>& dropped) {
  const auto& columns = study.predictor_columns;
  Dataset data;
  std::vector<std::vector<double>> predictor_rows, control_rows;
  std::vector<double> scores;
  for (const auto& [o, r] : pairs) {
    const auto score = benchmarks.records[r].scores.find(benchmark);
    if (score == benchmarks.records[r].scores.end()) continue;
    const Observation& obs = study.observations[o];
    if (!obs.params || !obs.tokens || *obs.params <= 0 || *obs.tokens <= 0) continue;
    std::vector<double> values;
    for (const auto& c : columns)
      if (const auto v = obs.values.find(c); v != obs.values.end()) values.push_back(v->second);
    if (values.size() != columns.size()) continue;
    data.observation.push_back(o);
    data.family.push_back(obs.family);
    predictor_rows.push_back(values);
    control_rows.push_back({std::log10(*obs.params), std::log10(*obs.tokens)});
    scores.push_back(score->second);
  }
  const Eigen::Index n = static_cast<Eigen::Index>(scores.size());
  data.score = Eigen::Map<Eigen::VectorXd>(scores.data(), n);
  data.predictors.resize(n, static_cast<Eigen::Index>(columns.size()));
  for (Eigen::Index i = 0; i < n; ++i)
    for (std::size_t c = 0; c < columns.size(); ++c) data.predictors(i, static_cast<Eigen::Index>(c)) = predictor_rows[i][c];

  const std::vector<std::string> control_names{"log10_params", "log10_tokens"};
  std::vector<Eigen::Index> kept_controls;
  for (Eigen::Index c = 0; c < 2; ++c) {
    bool constant = true;
    for (Eigen::Index i = 1; i < n; ++i) constant = constant && std::abs(control_rows[i][c] - control_rows[0][c]) < 1e-12;
    if (constant && n > 0) dropped.push_back(control_names[c]);
    else kept_controls.push_back(c);
  }
  data.controls.resize(n, static_cast<Eigen::Index>(kept_controls.size()));
  for (Eigen::Index i = 0; i < n; ++i)
    for (std::size_t c = 0; c < kept_controls.size(); ++c)
      data.controls(i, static_cast<Eigen::Index>(c)) = control_rows[i][kept_controls[c]];
  for (const auto c : kept_controls) data.control_names.push_back(control_names[c]);
  return data;
}

// Each coefficient with its test, and for the predictors their partial and rank correlations.
std::vector<TermResult> term_results(const OlsFit& fit, const std::vector<std::string>& names, const Dataset& data,
                                     const std::vector<std::string>& columns) {
  std::vector<TermResult> terms;
  for (std::size_t j = 0; j < names.size(); ++j) {
    TermResult term;
    term.term = names[j];
    term.estimate = fit.coefficients(static_cast<Eigen::Index>(j));
    term.std_error = fit.standard_errors(static_cast<Eigen::Index>(j));
    term.t = fit.t_values(static_cast<Eigen::Index>(j));
    term.p = fit.p_values(static_cast<Eigen::Index>(j));
    const auto c = std::find(columns.begin(), columns.end(), names[j]);
    if (c != columns.end()) {
      const Eigen::VectorXd x = data.predictors.col(c - columns.begin());
      try {
        term.partial = partial_correlation(x, data.score, data.controls);
      } catch (const DegenerateRegression&) {
      }
      try {
        term.spearman = spearman(x, data.score);
      } catch (const DegenerateRegression&) {
      }
    }
    terms.push_back(term);
  }
  return terms;
}

BenchmarkAnalysis analyse_benchmark(const std::string& benchmark, const RegressionStudy& study,
                                    const std::vector<std::pair<std::size_t, std::size_t>>& pairs,
                                    const BenchmarkSet& benchmarks) {
  BenchmarkAnalysis analysis;
  analysis.benchmark = benchmark;
  analysis.slug = slugify(benchmark);
  if (const auto m = benchmarks.metric_of.find(benchmark); m != benchmarks.metric_of.end()) analysis.metric = m->second;
  const auto& columns = study.predictor_columns;
  const Dataset data = benchmark_dataset(benchmark, study, pairs, benchmarks, analysis.dropped_controls);
  const Eigen::Index n = data.score.size();
  analysis.n = n;

  std::set<std::string> family_set(data.family.begin(), data.family.end());
  analysis.families.assign(family_set.begin(), family_set.end());
  std::vector<std::string> fe_levels;
  if (study.options.family_effects && analysis.families.size() > 1) fe_levels = analysis.families;

  std::vector<std::string> names{"const"};
  names.insert(names.end(), columns.begin(), columns.end());
  names.insert(names.end(), data.control_names.begin(), data.control_names.end());
  for (std::size_t f = 1; f < fe_levels.size(); ++f) names.push_back("family[" + fe_levels[f] + "]");

  if (n == 0) {
    analysis.skipped = "no model has both a score and every predictor (see matches.csv)";
    return analysis;
  }
  Eigen::MatrixXd X;
  try {
    X = design_matrix(data.predictors, data.controls, data.family, fe_levels);
    analysis.fit = fit_ols(X, data.score, names);
  } catch (const DegenerateRegression& e) {
    analysis.skipped = std::string(e.what());
    return analysis;
  }
  analysis.terms = term_results(*analysis.fit, names, data, columns);
  analysis.lofo = leave_one_family_out(data, analysis.families);

  // Added-variable plot of the first predictor: both axes residualised on every other column,
  // so the fitted line's slope is exactly that predictor's coefficient (Frisch-Waugh-Lovell).
  const Eigen::MatrixXd others = X.rightCols(X.cols() - 2);  // without the intercept (residualise adds it) and the predictor
  analysis.added_variable_predictor = columns.front();
  const Eigen::VectorXd av_x = residualise(X.col(1), others), av_y = residualise(data.score, others);
  for (Eigen::Index i = 0; i < n; ++i) {
    const Observation& obs = study.observations[data.observation[i]];
    analysis.points.push_back({obs.model, obs.checkpoint, obs.family, data.score(i), analysis.fit->fitted(i), av_x(i), av_y(i)});
  }
  return analysis;
}

}  // namespace

RegressionStudy run_regression_study(const io::CsvTable& metrics, const BenchmarkSet& benchmarks,
                                     const RegressionOptions& options) {
  RegressionStudy study;
  study.options = options;
  study.predictor_columns = resolve_predictor_columns(metrics, options);
  study.observations = collect_observations(metrics, study.predictor_columns, options.layer, study.notes);
  for (auto& o : study.observations)
    if (const auto source = options.sources.find({o.model, o.checkpoint}); source != options.sources.end()) {
      o.hub = source->second.hub;
      o.repo = source->second.repo;
      o.revision = source->second.revision;
    }
  std::vector<std::pair<std::size_t, std::size_t>> pairs;
  study.matches = match_records(study.observations, benchmarks, options.aliases, pairs);
  for (const auto& note : benchmarks.notes) study.notes.push_back(note);
  for (const auto& benchmark : benchmarks.benchmarks)
    study.analyses.push_back(analyse_benchmark(benchmark, study, pairs, benchmarks));
  return study;
}

}  // namespace infobound::stats
