#include "infobound/io/pytorch_pickle.hpp"

#include <array>
#include <cstring>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>

#include "infobound/core/error.hpp"

namespace infobound::io {
namespace {

using Kind = PickleValue::Kind;

// The globals a weights pickle may name. Storage types carry their dtype after kStorageBase.
enum Global : int64_t { kOrderedDict = 1, kRebuildTensorV2, kRebuildTensor, kRebuildParameter, kStorageBase = 100 };

struct StorageType {
  std::string_view name;
  Dtype dtype;
};
constexpr std::array<StorageType, 10> kStorageTypes{{
    {"FloatStorage", Dtype::F32},
    {"DoubleStorage", Dtype::F64},
    {"HalfStorage", Dtype::F16},
    {"BFloat16Storage", Dtype::BF16},
    {"LongStorage", Dtype::I64},
    {"IntStorage", Dtype::I32},
    {"ShortStorage", Dtype::I16},
    {"CharStorage", Dtype::I8},
    {"ByteStorage", Dtype::U8},
    {"BoolStorage", Dtype::BOOL},
}};

std::optional<int64_t> allowed_global(std::string_view module, std::string_view name) {
  if (module == "collections" && name == "OrderedDict") return kOrderedDict;
  if (module == "torch._utils" && name == "_rebuild_tensor_v2") return kRebuildTensorV2;
  if (module == "torch._utils" && name == "_rebuild_tensor") return kRebuildTensor;
  if (module == "torch._utils" && name == "_rebuild_parameter") return kRebuildParameter;
  if (module == "torch")
    for (std::size_t i = 0; i < kStorageTypes.size(); ++i)
      if (kStorageTypes[i].name == name) return kStorageBase + static_cast<int64_t>(i);
  return std::nullopt;
}

std::string opcode_text(uint8_t op) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text = "0x";
  text += kHex[op >> 4];
  text += kHex[op & 15];
  if (op >= 0x20 && op < 0x7f) text += std::string(" '") + static_cast<char>(op) + "'";
  return text;
}

class Machine {
 public:
  Machine(std::span<const std::byte> bytes, std::size_t offset, const std::string& file)
      : bytes_(bytes), position_(offset), file_(file) {}

  Pickle run() {
    if (position_ > bytes_.size()) fail("starts past the end of the file");
    while (true) {
      opcode_at_ = position_;
      const uint8_t op = read_u8();
      if (op == '.') break;
      step(op);
    }
    if (stack_.size() != 1 || !marks_.empty())
      fail("STOP with " + std::to_string(stack_.size()) + " values on the stack (malformed pickle)");
    pickle_.root = stack_.back();
    pickle_.end = position_;
    return std::move(pickle_);
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw InputError(file_ + ": pickle at byte " + std::to_string(opcode_at_) + ": " + what);
  }

  // --- reading the stream: every length is checked against what is left of the file.
  std::span<const std::byte> take(uint64_t n) {
    if (n > bytes_.size() - position_) fail("needs " + std::to_string(n) + " bytes but the file ends (truncated)");
    const auto out = bytes_.subspan(position_, static_cast<std::size_t>(n));
    position_ += static_cast<std::size_t>(n);
    return out;
  }
  uint64_t read_le(int width) {
    const auto b = take(static_cast<uint64_t>(width));
    uint64_t value = 0;
    for (int i = width - 1; i >= 0; --i) value = (value << 8) | static_cast<uint64_t>(b[static_cast<std::size_t>(i)]);
    return value;
  }
  uint8_t read_u8() { return static_cast<uint8_t>(read_le(1)); }
  std::string read_string(uint64_t n) {
    const auto b = take(n);
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
  }
  std::string read_line() {
    const auto rest = bytes_.subspan(position_);
    const void* newline = std::memchr(rest.data(), '\n', rest.size());
    if (newline == nullptr) fail("a text argument has no end of line (truncated)");
    const auto length = static_cast<std::size_t>(static_cast<const std::byte*>(newline) - rest.data());
    std::string line = read_string(length);
    take(1);
    return line;
  }

  // --- the stack
  PickleValue pop() {
    if (stack_.empty() || (!marks_.empty() && stack_.size() == marks_.back()))
      fail("pops from an empty stack (malformed pickle)");
    PickleValue v = stack_.back();
    stack_.pop_back();
    return v;
  }
  PickleValue& top() {
    if (stack_.empty() || (!marks_.empty() && stack_.size() == marks_.back()))
      fail("needs a value on the stack (malformed pickle)");
    return stack_.back();
  }
  std::vector<PickleValue> pop_to_mark() {
    if (marks_.empty()) fail("no MARK to pop to (malformed pickle)");
    const std::size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<PickleValue> items(stack_.begin() + static_cast<std::ptrdiff_t>(mark), stack_.end());
    stack_.resize(mark);
    return items;
  }
  void push(Kind kind, int64_t integer = 0) { stack_.push_back({kind, integer, 0}); }
  void push_text(Kind kind, std::string text) {
    pickle_.texts.push_back(std::move(text));
    push(kind, static_cast<int64_t>(pickle_.texts.size() - 1));
  }
  void push_container(Kind kind, std::vector<PickleValue> items) {
    pickle_.containers.push_back(std::move(items));
    push(kind, static_cast<int64_t>(pickle_.containers.size() - 1));
  }
  std::vector<PickleValue>& container(const PickleValue& v, Kind kind, const char* op) {
    if (v.kind != kind) fail(std::string(op) + " applied to something that is not a " + (kind == Kind::list ? "list" : "dict"));
    return pickle_.containers[static_cast<std::size_t>(v.integer)];
  }
  const std::vector<PickleValue>& tuple(const PickleValue& v, const char* what) {
    if (v.kind != Kind::tuple) fail(std::string(what) + " is not a tuple");
    return pickle_.containers[static_cast<std::size_t>(v.integer)];
  }
  int64_t integer(const PickleValue& v, const char* what) {
    if (v.kind != Kind::integer) fail(std::string(what) + " is not an integer");
    return v.integer;
  }
  const std::string& string(const PickleValue& v, const char* what) {
    if (v.kind != Kind::string) fail(std::string(what) + " is not a string");
    return pickle_.texts[static_cast<std::size_t>(v.integer)];
  }

  // LONG1/LONG4: little-endian two's complement of any length; ints that fit stay integers.
  void push_long(uint64_t n) {
    const auto b = take(n);
    if (n <= 8) {
      uint64_t value = 0;
      for (uint64_t i = n; i-- > 0;) value = (value << 8) | static_cast<uint64_t>(b[i]);
      if (n > 0 && n < 8 && (static_cast<uint8_t>(b[n - 1]) & 0x80)) value |= ~uint64_t{0} << (8 * n);
      push(Kind::integer, static_cast<int64_t>(value));
      return;
    }
    push_text(Kind::big_integer, std::string(reinterpret_cast<const char*>(b.data()), b.size()));
  }

  void memo_put(uint64_t index) { memo_[index] = top(); }
  void memo_get(uint64_t index) {
    const auto it = memo_.find(index);
    if (it == memo_.end()) fail("memo entry " + std::to_string(index) + " was never stored (malformed pickle)");
    stack_.push_back(it->second);
  }

  void global(const std::string& module, const std::string& name) {
    const auto id = allowed_global(module, name);
    if (!id)
      fail("refusing the global '" + module + "." + name +
           "': a weights file needs only tensor rebuilds (torch._utils._rebuild_tensor_v2, torch.*Storage) and "
           "collections.OrderedDict, and infobound never runs pickle code (this file may be malicious)");
    push(Kind::global, *id);
  }

  // BINPERSID: ('storage', torch.<Type>Storage, key, location, numel[, view_metadata]).
  void persistent_id(const PickleValue& id) {
    const auto& fields = tuple(id, "persistent id");
    if (fields.size() != 5 && fields.size() != 6)
      fail("persistent id has " + std::to_string(fields.size()) + " fields, expected 5 or 6");
    if (string(fields[0], "persistent id type") != "storage") fail("persistent id is not a 'storage' reference");
    if (fields[1].kind != Kind::global || fields[1].integer < kStorageBase)
      fail("persistent id does not name a torch storage type");
    PickledStorage storage;
    storage.dtype = kStorageTypes[static_cast<std::size_t>(fields[1].integer - kStorageBase)].dtype;
    storage.key = string(fields[2], "storage key");
    string(fields[3], "storage location");
    const int64_t numel = integer(fields[4], "storage size");
    if (numel < 0) fail("storage '" + storage.key + "' has negative size " + std::to_string(numel));
    storage.numel = static_cast<uint64_t>(numel);
    if (fields.size() == 6 && fields[5].kind != Kind::none)
      fail("storage '" + storage.key + "' is a view of another storage (a pre-1.0 file); re-save it with a newer torch");
    pickle_.storages.push_back(std::move(storage));
    push(Kind::storage, static_cast<int64_t>(pickle_.storages.size() - 1));
  }

  std::vector<int64_t> int_tuple(const PickleValue& v, const char* what) {
    std::vector<int64_t> out;
    for (const auto& item : tuple(v, what)) out.push_back(integer(item, what));
    return out;
  }

  void reduce() {
    const PickleValue args = pop();
    const PickleValue callable = pop();
    if (callable.kind != Kind::global) fail("REDUCE calls something that is not an allowed global");
    const auto& a = tuple(args, "REDUCE arguments");
    switch (callable.integer) {
      case kOrderedDict:
        if (!a.empty()) fail("collections.OrderedDict called with arguments");
        push_container(Kind::dict, {});
        return;
      case kRebuildTensorV2:
      case kRebuildTensor: {
        const std::size_t n = a.size();
        if (callable.integer == kRebuildTensor ? n != 4 : (n != 6 && n != 7))
          fail("torch._utils._rebuild_tensor called with " + std::to_string(n) + " arguments");
        if (a[0].kind != Kind::storage) fail("a tensor is rebuilt from something that is not a storage");
        PickledTensor tensor;
        tensor.storage = pickle_.storages[static_cast<std::size_t>(a[0].integer)];
        tensor.offset = integer(a[1], "tensor storage offset");
        tensor.shape = int_tuple(a[2], "tensor size");
        tensor.stride = int_tuple(a[3], "tensor stride");
        pickle_.tensors.push_back(std::move(tensor));
        push(Kind::tensor, static_cast<int64_t>(pickle_.tensors.size() - 1));
        return;
      }
      case kRebuildParameter:
        if (a.size() != 3 || a[0].kind != Kind::tensor)
          fail("torch._utils._rebuild_parameter needs (tensor, requires_grad, hooks)");
        stack_.push_back(a[0]);
        return;
      default: fail("REDUCE calls a torch storage type, which a weights file never does");
    }
  }

  void step(uint8_t op) {
    switch (op) {
      case 0x80: {  // PROTO
        const uint8_t protocol = read_u8();
        if (protocol > 5) fail("pickle protocol " + std::to_string(protocol) + " is newer than 5");
        return;
      }
      case 0x95: take(8); return;  // FRAME: a length hint only
      case '(': marks_.push_back(stack_.size()); return;
      case '0': pop(); return;
      case '1': pop_to_mark(); return;
      case '2': stack_.push_back(top()); return;
      case 'N': push(Kind::none); return;
      case 0x88: push(Kind::boolean, 1); return;
      case 0x89: push(Kind::boolean, 0); return;
      case 'J': push(Kind::integer, static_cast<int32_t>(read_le(4))); return;
      case 'K': push(Kind::integer, read_u8()); return;
      case 'M': push(Kind::integer, static_cast<int64_t>(read_le(2))); return;
      case 0x8a: push_long(read_u8()); return;
      case 0x8b: push_long(read_le(4)); return;
      case 'G': {
        const uint64_t bits = read_le(8);
        uint64_t swapped = __builtin_bswap64(bits);  // BINFLOAT is big-endian
        double value = 0;
        std::memcpy(&value, &swapped, sizeof value);
        stack_.push_back({Kind::floating, 0, value});
        return;
      }
      case 'X': push_text(Kind::string, read_string(read_le(4))); return;
      case 0x8c: push_text(Kind::string, read_string(read_u8())); return;
      case 0x8d: push_text(Kind::string, read_string(read_le(8))); return;
      case 'T': push_text(Kind::string, read_string(read_le(4))); return;
      case 'U': push_text(Kind::string, read_string(read_u8())); return;
      case 'B': push_text(Kind::bytes, read_string(read_le(4))); return;
      case 'C': push_text(Kind::bytes, read_string(read_u8())); return;
      case 0x8e: push_text(Kind::bytes, read_string(read_le(8))); return;
      case '}': push_container(Kind::dict, {}); return;
      case ']': push_container(Kind::list, {}); return;
      case ')': push_container(Kind::tuple, {}); return;
      case 't': push_container(Kind::tuple, pop_to_mark()); return;
      case 'l': push_container(Kind::list, pop_to_mark()); return;
      case 0x85:
      case 0x86:
      case 0x87: {  // TUPLE1..3
        std::vector<PickleValue> items(static_cast<std::size_t>(op - 0x84));
        for (auto it = items.rbegin(); it != items.rend(); ++it) *it = pop();
        push_container(Kind::tuple, std::move(items));
        return;
      }
      case 'd': {
        auto items = pop_to_mark();
        if (items.size() % 2) fail("DICT with an odd number of items");
        push_container(Kind::dict, std::move(items));
        return;
      }
      case 'a': {
        const PickleValue item = pop();
        container(top(), Kind::list, "APPEND").push_back(item);
        return;
      }
      case 'e': {
        auto items = pop_to_mark();
        auto& list = container(top(), Kind::list, "APPENDS");
        list.insert(list.end(), items.begin(), items.end());
        return;
      }
      case 's': {
        const PickleValue value = pop(), key = pop();
        auto& dict = container(top(), Kind::dict, "SETITEM");
        dict.push_back(key);
        dict.push_back(value);
        return;
      }
      case 'u': {
        auto items = pop_to_mark();
        if (items.size() % 2) fail("SETITEMS with an odd number of items");
        auto& dict = container(top(), Kind::dict, "SETITEMS");
        dict.insert(dict.end(), items.begin(), items.end());
        return;
      }
      case 'h': memo_get(read_u8()); return;
      case 'j': memo_get(read_le(4)); return;
      case 'q': memo_put(read_u8()); return;
      case 'r': memo_put(read_le(4)); return;
      case 0x94: memo_put(memo_.size()); return;  // MEMOIZE
      case 'g': memo_get(decimal(read_line())); return;
      case 'p': memo_put(decimal(read_line())); return;
      case 'c': {
        const std::string module = read_line();
        const std::string name = read_line();
        global(module, name);
        return;
      }
      case 0x93: {  // STACK_GLOBAL
        const PickleValue name = pop(), module = pop();
        global(string(module, "STACK_GLOBAL module"), string(name, "STACK_GLOBAL name"));
        return;
      }
      case 'Q': persistent_id(pop()); return;
      case 'R': reduce(); return;
      case 'b': {  // BUILD: the attribute dict of a state dict (_metadata) carries no weights
        const PickleValue state = pop();
        if (top().kind != Kind::dict || (state.kind != Kind::dict && state.kind != Kind::none))
          fail("BUILD sets state on something other than a dict (only an OrderedDict's _metadata is allowed)");
        return;
      }
      default:
        fail("opcode " + opcode_text(op) +
             " is not allowed in a weights file (it builds arbitrary objects or is not a pickle opcode); refusing to load it");
    }
  }

  uint64_t decimal(const std::string& text) {
    if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos)
      fail("memo index '" + text + "' is not a number");
    return std::stoull(text);
  }

  std::span<const std::byte> bytes_;
  std::size_t position_;
  std::size_t opcode_at_ = 0;
  const std::string& file_;
  Pickle pickle_;
  std::vector<PickleValue> stack_;
  std::vector<std::size_t> marks_;
  std::unordered_map<uint64_t, PickleValue> memo_;
};

}  // namespace

Pickle read_pickle(std::span<const std::byte> bytes, std::size_t offset, const std::string& file_name) {
  return Machine(bytes, offset, file_name).run();
}

std::vector<std::pair<std::string, PickledTensor>> state_dict_tensors(const Pickle& pickle, const std::string& file_name) {
  if (pickle.root.kind != Kind::dict) throw InputError(file_name + ": the pickle holds no dict of tensors (not a state dict)");
  const auto& items = pickle.items(pickle.root);
  std::vector<std::pair<std::string, PickledTensor>> tensors;
  std::set<std::string> seen;
  for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
    if (items[i].kind != Kind::string) throw InputError(file_name + ": the state dict has a key that is not a string");
    const std::string& name = pickle.text(items[i]);
    if (items[i + 1].kind != Kind::tensor)
      throw InputError(file_name + ": state dict entry '" + name +
                       "' is not a tensor (expected a flat dict of tensor names to tensors)");
    if (!seen.insert(name).second) throw InputError(file_name + ": state dict names '" + name + "' twice");
    tensors.emplace_back(name, pickle.tensor(items[i + 1]));
  }
  return tensors;
}

}  // namespace infobound::io
