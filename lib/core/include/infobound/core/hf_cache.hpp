#pragma once
// Offline resolution of Hugging Face hub references through the local cache layout
// <hub>/models--ORG--NAME/{refs/<revision> -> snapshots/<commit>/}. Nothing is downloaded.
#include <filesystem>
#include <string>
#include <string_view>

namespace infobound {

struct HubReference {
  std::string repo;      // ORG/NAME
  std::string revision;  // branch, tag or commit; empty when not given
};
// "ORG/NAME" or "ORG/NAME@revision"; throws InputError on anything else.
HubReference parse_hub_reference(std::string_view text);

// $HF_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub.
std::filesystem::path hf_hub_cache_dir();

// The snapshot directory of a model revision. `revision` may be a ref name (refs/<revision> holds
// the commit) or a commit hash (full, or a unique prefix of at least 7 characters). Throws
// InputError naming the repo, the revision, the cache directory and the refs that do exist.
std::filesystem::path resolve_hub_model(std::string_view repo, std::string_view revision);

// A file inside a cached dataset snapshot: `dataset` is "ORG/NAME[@revision]".
std::filesystem::path resolve_hub_dataset_file(std::string_view dataset, std::string_view path_in_repo);

}  // namespace infobound
