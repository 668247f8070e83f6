#pragma once
// exp and log in double precision, branch-free so that loops over them vectorise (glibc's are
// scalar calls). Within 1 ulp of glibc's (tests/bound/ib_math_test.cpp). The IB engine and the
// estimator's entropies call these in their vector kernels and in scalar code alike, so a quantity
// computed in either is the same double. Their libraries are compiled with -ffp-contract=off, so
// the SSE2 and the AVX2 code round alike.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <limits>

// A kernel built three times, for x86-64-v4 (AVX-512) and x86-64-v3 (AVX2) next to the default
// target, chosen when the program loads. Not under the sanitizers, whose start-up runs after ifunc resolution.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define INFOBOUND_KERNEL __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define INFOBOUND_KERNEL
#endif

namespace infobound::math {

// ln 2 = kLn2Hi + kLn2Lo; kLn2Hi has 21 significant bits, so k * kLn2Hi is exact for |k| < 2^32.
inline constexpr double kLn2Hi = 0x1.62e42p-1;
inline constexpr double kLn2Lo = 0x1.fdf473de6af28p-22;
inline constexpr double kLog2E = 0x1.71547652b82fep+0;
inline constexpr double kSqrt2 = 0x1.6a09e667f3bcdp+0;

// exp(x) for x <= 709; 0 below -708 (where the true value is subnormal).
inline double exp(double x) {
  // x = k ln 2 + r with k = round(x / ln 2), |r| <= ln 2 / 2; exp(x) = 2^k exp(r). Adding 1.5 * 2^52
  // rounds to an integer and leaves k in the low bits, without a float-to-int conversion.
  constexpr double kShift = 0x1.8p52;
  const double clamped = std::min(std::max(x, -708.0), 709.0);
  const double shifted = clamped * kLog2E + kShift;
  const double k = shifted - kShift;
  const double r = (clamped - k * kLn2Hi) - k * kLn2Lo;
  // (exp(r) - 1 - r) / r^2 to 1.3e-17 relative: a degree-9 Chebyshev fit on |r| <= ln 2 / 2,
  // evaluated by Estrin's scheme (short dependency chains, so vector loops overlap iterations).
  const double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
  const double e01 = 0x1.0000000000001p-1 + r * 0x1.5555555555556p-3;
  const double e23 = 0x1.5555555553d68p-5 + r * 0x1.11111111109b5p-7;
  const double e45 = 0x1.6c16c17889ef1p-10 + r * 0x1.a01a01a7c2efep-13;
  const double e67 = 0x1.a019b9149a41cp-16 + r * 0x1.71de0db2f6b19p-19;
  const double e89 = 0x1.28917c89a43a7p-22 + r * 0x1.af389ecfc4b9cp-26;
  const double p = (e01 + r2 * e23) + r4 * (e45 + r2 * e67) + r8 * e89;
  const double exp_r = 1.0 + (r + r2 * p);
  const uint64_t biased = std::bit_cast<uint64_t>(shifted) - std::bit_cast<uint64_t>(kShift) + 1023;
  const double scale = std::bit_cast<double>(biased << 52);
  return x < -708.0 ? 0.0 : exp_r * scale;
}

// ln x in stages, for loops over many values: a loop that runs one stage over a block of values
// and stores the results has short dependency chains that the processor overlaps, where one loop
// over the whole logarithm has a chain longer than the scheduler holds (on a Zen 3 the staged
// entropy of a 100-bin row takes 0.21 us against 0.34). Every path runs the same operations, so
// a staged log is the same double as log_of_normal.
// x = 2^e (1 + f) with 1 + f in [sqrt(2)/2, sqrt(2)); ln(1 + f) = 2 atanh(s), s = f / (2 + f).
struct ReducedLog {
  double e, f;
};

namespace detail {
// normal * 2^(1023 - exponent_bias) as 2^e (1 + f), for a normal normal > 0.
[[gnu::always_inline]] inline ReducedLog reduce_for_log(double normal, double exponent_bias) {
  const uint64_t bits = std::bit_cast<uint64_t>(normal);
  double m = std::bit_cast<double>((bits & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull);
  // The biased exponent as a double, again without an int-to-float conversion.
  double e = std::bit_cast<double>(0x4330000000000000ull | (bits >> 52)) - (0x1p52 + exponent_bias);
  const bool high = m > kSqrt2;
  m = high ? m * 0.5 : m;
  e = high ? e + 1 : e;
  return {e, m - 1};
}
}  // namespace detail

// Stage 1: x = 2^e (1 + f) for a normal x > 0.
[[gnu::always_inline]] inline ReducedLog reduce_for_log(double x) { return detail::reduce_for_log(x, 1023.0); }

// Stage 2: s = f / (2 + f).
[[gnu::always_inline]] inline double atanh_argument(double f) { return f / (2 + f); }

// Stage 3: R = 2 (z/3 + z^2/5 + ...) = z G(z) with z = s^2: G to 3e-16 (4.6e-18 of ln) by a
// degree-6 Chebyshev fit on z <= 3 - 2 sqrt(2) squared, evaluated by Estrin's scheme.
[[gnu::always_inline]] inline double atanh_series(double s) {
  const double z = s * s;
  const double z2 = z * z, z4 = z2 * z2;
  const double g01 = 0x1.5555555555558p-1 + z * 0x1.99999999952e2p-2;
  const double g23 = 0x1.2492492df148dp-2 + z * 0x1.c71c62e5800a1p-3;
  const double g45 = 0x1.7462b4ab2ef6bp-3 + z * 0x1.39fe606542ddep-3;
  const double q = (g01 + z2 * g23) + z4 * (g45 + z2 * 0x1.2b584aae78a57p-3);
  return q * z;
}

// Stage 4: ln x from the three stages before.
[[gnu::always_inline]] inline double log_of_reduced(ReducedLog x, double s, double R) {
  // ln(1 + f) = 2s + sR, and 2s = f - s f = f - (h - s h) with h = f^2 / 2: f carries the value
  // exactly and the rest is a small correction.
  const double h = 0.5 * x.f * x.f;
  return x.e * kLn2Hi + (x.f - (h - (s * (h + R) + x.e * kLn2Lo)));
}

namespace detail {
// ln(normal * 2^(1023 - exponent_bias)) for a normal normal > 0.
[[gnu::always_inline]] inline double log_of_normal(double normal, double exponent_bias) {
  const ReducedLog reduced = reduce_for_log(normal, exponent_bias);
  const double s = atanh_argument(reduced.f);
  return log_of_reduced(reduced, s, atanh_series(s));
}
}  // namespace detail

// ln(x) for x >= 0 finite; ln 0 = -infinity.
inline double log(double x) {
  const bool subnormal = x < 0x1p-1022;
  const double ln = detail::log_of_normal(subnormal ? x * 0x1p54 : x, subnormal ? 1077.0 : 1023.0);
  return x == 0 ? -std::numeric_limits<double>::infinity() : ln;
}

// log(x) for a normal x > 0, the same double, without the cost of the subnormal and zero cases.
inline double log_of_normal(double x) { return detail::log_of_normal(x, 1023.0); }

}  // namespace infobound::math
