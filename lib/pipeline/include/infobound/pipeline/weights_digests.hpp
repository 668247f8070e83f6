#pragma once
// Plan time: the weights digest of every resolved checkpoint (io::weights_digest, streamed from
// the mapped files), recorded in its units, with a warning for each set of checkpoints of one
// model that hold identical weights.
#include "infobound/core/plan.hpp"

namespace infobound::pipeline {

// Fills PlanUnit::weights_digest of every unit with a model directory (each directory hashed
// once) and warns (log::warn) about identical checkpoints. Weights that cannot be read get no
// digest and a warning: extract records that checkpoint's failure and goes on with the others.
void record_weights_digests(Plan& plan);

}  // namespace infobound::pipeline
