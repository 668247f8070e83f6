#!/usr/bin/python3
"""Expected numbers for the lib/stats golden tests, computed with statsmodels and scipy.

Usage (from this directory, with Debian's python3-statsmodels and python3-scipy):
    /usr/bin/python3 make_expected.py              # data/panel.csv -> data/expected_*.csv
    /usr/bin/python3 make_expected.py --make-data  # first regenerate data/panel.csv (seeded)

The panel is synthetic: 30 models in 5 families with scale, information-theoretic predictors
and a benchmark score that depends on them plus noise. The C++ tests (stats_golden_test.cpp)
fit the same specifications and compare coefficients, standard errors, t, p, R2 and adjusted
R2 to 1e-8 relative.
"""
import csv
import sys
from pathlib import Path

import numpy as np
import scipy.stats
import statsmodels.api as sm

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
PREDICTORS = ["optimality", "complexity", "expressivity", "preference"]
CONTROLS = ["log10_params", "log10_tokens"]


def make_data():
    rng = np.random.default_rng(20240601)
    families = ["gemma2", "llama3", "olmo2", "pythia", "qwen2.5"]
    rows = []
    for f, family in enumerate(families):
        for i in range(6):
            log_params = 7.5 + 0.4 * i + 0.1 * f + rng.normal(0, 0.05)
            log_tokens = 11.0 + 0.3 * f + 0.2 * i + rng.normal(0, 0.2)
            complexity = 0.3 + 0.05 * f + rng.normal(0, 0.03)
            expressivity = 0.1 + 0.02 * i + rng.normal(0, 0.02)
            optimality = expressivity / complexity
            preference = 0.02 + rng.normal(0, 0.005)
            score = (10 + 6 * optimality + 12 * expressivity + 40 * preference + 2.5 * log_params
                     + 1.2 * log_tokens + 0.8 * f + rng.normal(0, 1.0))
            rows.append({
                "model": f"{family}-{i}", "family": family, "params": repr(10 ** log_params),
                "tokens": repr(10 ** log_tokens), "optimality": repr(optimality), "complexity": repr(complexity),
                "expressivity": repr(expressivity), "preference": repr(preference), "score": repr(score)})
    with open(DATA / "panel.csv", "w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0].keys()), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def read_panel():
    with open(DATA / "panel.csv") as f:
        rows = list(csv.DictReader(f))
    data = {k: np.array([float(r[k]) for r in rows]) for k in ["params", "tokens", "score"] + PREDICTORS}
    data["log10_params"] = np.log10(data["params"])
    data["log10_tokens"] = np.log10(data["tokens"])
    data["family"] = [r["family"] for r in rows]
    return data


def design(data, family_effects, columns=PREDICTORS + CONTROLS):
    X = np.column_stack([np.ones(len(data["score"]))] + [data[c] for c in columns])
    names = ["const"] + list(columns)
    if family_effects:
        levels = sorted(set(data["family"]))
        for level in levels[1:]:
            X = np.column_stack([X, [1.0 if f == level else 0.0 for f in data["family"]]])
            names.append(f"family[{level}]")
    return X, names


def residualise(v, controls):
    Z = np.column_stack([np.ones(len(v))] + controls)
    beta, *_ = np.linalg.lstsq(Z, v, rcond=None)
    return v - Z @ beta


def main():
    if "--make-data" in sys.argv:
        make_data()
    data = read_panel()
    y = data["score"]
    ols_rows, fit_rows = [], []
    for spec, fe in [("controls", False), ("family_effects", True)]:
        X, names = design(data, fe)
        fit = sm.OLS(y, X).fit()
        for j, name in enumerate(names):
            ols_rows.append([spec, name, repr(fit.params[j]), repr(fit.bse[j]), repr(fit.tvalues[j]), repr(fit.pvalues[j])])
        fit_rows.append([spec, str(int(fit.nobs)), str(int(fit.df_resid)), repr(fit.rsquared), repr(fit.rsquared_adj)])

    corr_rows = []
    controls = [data[c] for c in CONTROLS]
    for p in PREDICTORS:
        rx, ry = residualise(data[p], controls), residualise(y, controls)
        r = np.corrcoef(rx, ry)[0, 1]
        df = len(y) - 2 - len(controls)
        t = r * np.sqrt(df / (1 - r * r))
        partial_p = 2 * scipy.stats.t.sf(abs(t), df)
        rho, rho_p = scipy.stats.spearmanr(data[p], y)
        corr_rows.append([p, repr(r), repr(partial_p), repr(rho), repr(rho_p)])

    lofo_rows = []
    for family in sorted(set(data["family"])):
        test = np.array([f == family for f in data["family"]])
        X, _ = design(data, False)
        Xc, _ = design(data, False, CONTROLS)
        errors = []
        for M in (X, Xc):
            beta, *_ = np.linalg.lstsq(M[~test], y[~test], rcond=None)
            errors.append(np.sqrt(np.mean((M[test] @ beta - y[test]) ** 2)))
        lofo_rows.append([family, str(int(test.sum())), repr(errors[0]), repr(errors[1])])

    def write(name, header, rows):
        with open(DATA / name, "w", newline="") as out:
            w = csv.writer(out, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)

    write("expected_ols.csv", ["spec", "term", "estimate", "std_error", "t", "p"], ols_rows)
    write("expected_fit.csv", ["spec", "n", "df_residual", "r2", "adj_r2"], fit_rows)
    write("expected_correlations.csv", ["predictor", "partial_r", "partial_p", "spearman_rho", "spearman_p"], corr_rows)
    write("expected_lofo.csv", ["family", "n", "rmse", "rmse_controls_only"], lofo_rows)


if __name__ == "__main__":
    main()
