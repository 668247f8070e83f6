#pragma once
// Fewer first touches of fresh memory: each costs a page fault per 4 KiB page.

namespace infobound {

// Freed blocks below 512 MiB stay in the heap for the next batch instead of going back to the
// kernel and being faulted in again (glibc maps and unmaps large blocks, and trims the heap):
// without it each forward pass first-touched its activations afresh, ~100k page faults per pass of
// Pythia-160M on 4 x 512 tokens. Larger blocks (label tables, whole logits of big batches) are
// still mapped and unmapped, so memory planned per unit is given back between units.
// Process-wide; the commands and benchmarks set it at start, and a model when it is made.
void keep_freed_memory_for_reuse();

}  // namespace infobound
