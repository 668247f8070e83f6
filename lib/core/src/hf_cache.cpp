#include "infobound/core/hf_cache.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <vector>

#include "infobound/core/error.hpp"

namespace infobound {
namespace fs = std::filesystem;
namespace {

bool is_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

std::vector<std::string> list_refs(const fs::path& refs_dir) {
  std::vector<std::string> refs;
  std::error_code error;
  if (!fs::is_directory(refs_dir, error)) return refs;
  for (auto it = fs::recursive_directory_iterator(refs_dir, error); !error && it != fs::recursive_directory_iterator();
       it.increment(error))
    if (it->is_regular_file()) refs.push_back(fs::relative(it->path(), refs_dir).string());
  std::sort(refs.begin(), refs.end());
  return refs;
}

fs::path resolve_in(const fs::path& repo_dir, std::string_view repo, std::string_view kind, std::string_view revision) {
  const std::string rev = revision.empty() ? "main" : std::string(revision);
  const std::string what = std::string(kind) + " " + std::string(repo) + "@" + rev;
  std::error_code error;
  if (!fs::is_directory(repo_dir, error))
    throw InputError(what + ": not in the Hugging Face cache (" + repo_dir.string() +
                     " does not exist; download it on a machine with internet: huggingface-cli download " + std::string(repo) +
                     " --revision " + rev + ", or set HF_HOME)");
  const fs::path snapshots = repo_dir / "snapshots";
  const fs::path ref_file = repo_dir / "refs" / rev;
  if (rev.find("..") == std::string::npos && fs::is_regular_file(ref_file, error)) {
    std::ifstream in(ref_file);
    std::string commit;
    std::getline(in, commit);
    commit = trim(commit);
    const fs::path snapshot = snapshots / commit;
    if (commit.empty() || !fs::is_directory(snapshot, error))
      throw InputError(what + ": " + ref_file.string() + " points to commit '" + commit + "' but " + snapshot.string() +
                       " is missing (incomplete download?)");
    return snapshot;
  }
  if (rev.size() >= 7 && rev.size() <= 40 && is_hex(rev) && fs::is_directory(snapshots, error)) {
    std::vector<fs::path> matches;
    for (const auto& entry : fs::directory_iterator(snapshots, error))
      if (entry.is_directory() && entry.path().filename().string().rfind(rev, 0) == 0) matches.push_back(entry.path());
    if (matches.size() == 1) return matches.front();
    if (matches.size() > 1) throw InputError(what + ": commit prefix '" + rev + "' is ambiguous in " + snapshots.string());
  }
  std::string known;
  for (const auto& r : list_refs(repo_dir / "refs")) known += (known.empty() ? "" : ", ") + r;
  throw InputError(what + ": revision '" + rev + "' is not in the Hugging Face cache " + repo_dir.string() +
                   " (cached refs: " + (known.empty() ? "none" : known) + "; download it: huggingface-cli download " +
                   std::string(repo) + " --revision " + rev + ")");
}

std::string cache_folder_name(std::string_view prefix, std::string_view repo) {
  std::string name(prefix);
  name += "--";
  for (const char c : repo) name += (c == '/') ? std::string("--") : std::string(1, c);
  return name;
}

}  // namespace

HubReference parse_hub_reference(std::string_view text) {
  HubReference ref;
  const auto at = text.find('@');
  ref.repo = std::string(text.substr(0, at));
  if (at != std::string_view::npos) ref.revision = std::string(text.substr(at + 1));
  const auto slash = ref.repo.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == ref.repo.size() ||
      ref.repo.find('/', slash + 1) != std::string::npos || (at != std::string_view::npos && ref.revision.empty()))
    throw InputError("'" + std::string(text) + "' is not a hub reference of the form ORG/NAME or ORG/NAME@revision");
  return ref;
}

fs::path hf_hub_cache_dir() {
  if (const char* hub = std::getenv("HF_HUB_CACHE"); hub && *hub) return hub;
  if (const char* home = std::getenv("HF_HOME"); home && *home) return fs::path(home) / "hub";
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return fs::path(xdg) / "huggingface" / "hub";
  const char* home = std::getenv("HOME");
  return fs::path(home ? home : "/root") / ".cache" / "huggingface" / "hub";
}

fs::path resolve_hub_model(std::string_view repo, std::string_view revision) {
  return resolve_in(hf_hub_cache_dir() / cache_folder_name("models", repo), repo, "model", revision);
}

fs::path resolve_hub_dataset_file(std::string_view dataset, std::string_view path_in_repo) {
  const HubReference ref = parse_hub_reference(dataset);
  const fs::path snapshot =
      resolve_in(hf_hub_cache_dir() / cache_folder_name("datasets", ref.repo), ref.repo, "dataset", ref.revision);
  const fs::path file = snapshot / fs::path(path_in_repo);
  std::error_code error;
  if (!fs::exists(file, error))
    throw InputError("dataset " + std::string(dataset) + ": file '" + std::string(path_in_repo) +
                     "' is not in the cached snapshot " + snapshot.string());
  return file;
}

}  // namespace infobound
