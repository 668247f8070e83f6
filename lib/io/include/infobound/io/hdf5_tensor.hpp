#pragma once
// A numeric HDF5 dataset as a CPU tensor, for the readers that compute on it (the estimate CLI's
// case files, the golden tests' h5py fixtures). Kept apart from hdf5.hpp so the wrapper stays
// torch-free.
#include <string>

#include <ATen/core/Tensor.h>

#include "infobound/io/hdf5.hpp"

namespace infobound::io::h5 {

// float32 stays float32, other floats become float64, integers int64; any other element type is an
// Hdf5Error naming the file and the dataset.
at::Tensor read_tensor(const Group& group, const std::string& name);

}  // namespace infobound::io::h5
