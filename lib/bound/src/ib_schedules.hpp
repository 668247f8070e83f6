#pragma once
// The schedules behind information_bottleneck_curve (lib/bound/src only).
#include "infobound/bound/information_bottleneck.hpp"

namespace infobound::bound {

// Options already validated by information_bottleneck_curve.
IbCurve information_bottleneck_curve_reference(const JointDistribution& joint, const IbOptions& options);
std::vector<IbCurve> information_bottleneck_curves_adaptive(const std::vector<const JointDistribution*>& joints,
                                                            const std::vector<IbOptions>& options);

}  // namespace infobound::bound
