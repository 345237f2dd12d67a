#include "ml/serve/array_file.h"

#include <zip.h>

#include <bit>
#include <boost/json.hpp>
#include <cmath>
#include <cstring>
#include <memory>

#include "base/file.h"

namespace ghost::ml {
namespace {

namespace json = boost::json;

constexpr uint64_t kMaxDims = 8;

// How one stored element turns into a float.
struct Dtype {
  char kind = 0;  // 'f' float, 'i' signed, 'u' unsigned, 'b' bool, 'h' bfloat16
  uint32_t size = 0;
  bool big_endian = false;
};

float half_to_float(uint16_t h) {
  const uint32_t sign = uint32_t(h >> 15) << 31, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  if (exp == 0x1f) return std::bit_cast<float>(sign | 0x7f800000u | (mant << 13));  // inf, NaN
  if (exp != 0) return std::bit_cast<float>(sign | ((exp + 112) << 23) | (mant << 13));
  const float sub = std::ldexp(float(mant), -24);  // subnormal or zero: exact in float
  return sign ? -sub : sub;
}

uint64_t load(const uint8_t* p, uint32_t size, bool big_endian) {
  uint64_t v = 0;
  for (uint32_t i = 0; i < size; ++i) v |= uint64_t(p[big_endian ? size - 1 - i : i]) << (8 * i);
  return v;
}

float element(const uint8_t* p, const Dtype& t) {
  const uint64_t bits = load(p, t.size, t.big_endian);
  switch (t.kind) {
    case 'f':
      if (t.size == 2) return half_to_float(uint16_t(bits));
      if (t.size == 4) return std::bit_cast<float>(uint32_t(bits));
      return float(std::bit_cast<double>(bits));
    case 'h': return std::bit_cast<float>(uint32_t(bits) << 16);
    case 'i': return float(int64_t(bits << (64 - 8 * t.size)) >> (64 - 8 * t.size));
    case 'u': return float(bits);
    default: return bits ? 1.0f : 0.0f;
  }
}

bool valid(const Dtype& t) {
  switch (t.kind) {
    case 'f': return t.size == 2 || t.size == 4 || t.size == 8;
    case 'h': return t.size == 2;
    case 'i':
    case 'u': return t.size == 1 || t.size == 2 || t.size == 4 || t.size == 8;
    case 'b': return t.size == 1;
    default: return false;
  }
}

// The element count of `shape`, failing on overflow past 2^62 elements.
Result<uint64_t> count_of(const std::vector<uint64_t>& shape) {
  if (shape.size() > kMaxDims) return fail("more than 8 dimensions");
  uint64_t n = 1;
  for (uint64_t s : shape) {
    if (s != 0 && n > (uint64_t(1) << 62) / s) return fail("shape too large");
    n *= s;
  }
  return n;
}

// Decodes `data` (exactly count * size bytes) into a C-ordered array; Fortran order is
// transposed on the way.
Result<Array> decode(std::string dtype_name, const Dtype& t, std::vector<uint64_t> shape, bool fortran, ByteSpan data) {
  auto n = count_of(shape);
  if (!n) return std::unexpected(n.error());
  if (data.size() / t.size < *n || data.size() != *n * t.size)
    return fail("holds " + std::to_string(data.size()) + " data bytes, its shape needs " + std::to_string(*n * t.size));
  Array a{std::move(dtype_name), std::move(shape), {}};
  a.values.resize(*n);
  if (!fortran || a.shape.size() < 2) {
    for (uint64_t i = 0; i < *n; ++i) a.values[i] = element(data.data() + i * t.size, t);
    return a;
  }
  // Walk C order with a counter; Fortran's stride of dimension k is the product of those before it.
  std::vector<uint64_t> idx(a.shape.size(), 0), stride(a.shape.size(), 1);
  for (size_t k = 1; k < a.shape.size(); ++k) stride[k] = stride[k - 1] * a.shape[k - 1];
  for (uint64_t i = 0; i < *n; ++i) {
    uint64_t off = 0;
    for (size_t k = 0; k < idx.size(); ++k) off += idx[k] * stride[k];
    a.values[i] = element(data.data() + off * t.size, t);
    for (size_t k = idx.size(); k-- > 0;) {
      if (++idx[k] < a.shape[k]) break;
      idx[k] = 0;
    }
  }
  return a;
}

// The value after 'key': in a .npy header (a Python dict literal), up to the next ',' at
// depth 0 or the closing '}'.
Result<std::string> header_value(const std::string& h, const std::string& key) {
  const size_t k = h.find("'" + key + "'");
  if (k == std::string::npos) return fail("header has no '" + key + "'");
  size_t p = h.find(':', k);
  if (p == std::string::npos) return fail("header: no value for '" + key + "'");
  ++p;
  int depth = 0;
  size_t end = p;
  for (; end < h.size(); ++end) {
    const char c = h[end];
    if (c == '(' || c == '[') ++depth;
    if (c == ')' || c == ']') --depth;
    if (depth == 0 && (c == ',' || c == '}')) break;
    if (depth < 0) return fail("header: unbalanced brackets");
  }
  std::string v = h.substr(p, end - p);
  const auto first = v.find_first_not_of(" \t"), last = v.find_last_not_of(" \t");
  return first == std::string::npos ? std::string() : v.substr(first, last - first + 1);
}

Result<std::vector<uint64_t>> parse_shape(const std::string& v) {
  if (v.size() < 2 || v.front() != '(' || v.back() != ')') return fail("header: shape is not a tuple");
  std::vector<uint64_t> shape;
  std::string digits;
  for (size_t i = 1; i < v.size(); ++i) {
    const char c = v[i];
    if (c >= '0' && c <= '9') {
      if (digits.size() >= 18) return fail("header: a dimension is too large");
      digits += c;
    } else if (c == ',' || c == ')') {
      if (!digits.empty()) shape.push_back(std::stoull(digits));
      else if (c == ',') return fail("header: empty dimension in shape");
      digits.clear();
    } else if (c != ' ' && c != 'L') {
      return fail("header: bad character in shape");
    }
    if (shape.size() > kMaxDims) return fail("more than 8 dimensions");
  }
  return shape;
}

Result<Dtype> npy_dtype(const std::string& descr) {
  if (descr.size() < 3) return fail("unsupported dtype " + descr);
  Dtype t;
  const char order = descr[0];
  if (order != '<' && order != '>' && order != '|' && order != '=') return fail("unsupported dtype " + descr);
  t.big_endian = order == '>';
  t.kind = descr[1];
  const std::string size = descr.substr(2);
  if (size.size() != 1 || size[0] < '1' || size[0] > '8') return fail("unsupported dtype " + descr);
  t.size = uint32_t(size[0] - '0');
  if (t.kind == 'h' || !valid(t))
    return fail("unsupported dtype " + descr + " (use float16/32/64, integers or bool)");
  return t;
}

Result<Dtype> safetensors_dtype(const std::string& name) {
  static const std::map<std::string, Dtype> kTypes = {
      {"F64", {'f', 8}}, {"F32", {'f', 4}}, {"F16", {'f', 2}}, {"BF16", {'h', 2}}, {"I64", {'i', 8}},
      {"I32", {'i', 4}}, {"I16", {'i', 2}}, {"I8", {'i', 1}},  {"U64", {'u', 8}},  {"U32", {'u', 4}},
      {"U16", {'u', 2}}, {"U8", {'u', 1}},  {"BOOL", {'b', 1}}};
  auto it = kTypes.find(name);
  if (it == kTypes.end()) return fail("unsupported dtype " + name);
  return it->second;
}

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};
struct ZipFileCloser {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};

}  // namespace

uint64_t Array::count() const {
  uint64_t n = 1;
  for (uint64_t s : shape) n *= s;
  return n;
}

Result<Array> parse_npy(ByteSpan b) {
  static const uint8_t kMagic[] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (b.size() < 10 || std::memcmp(b.data(), kMagic, 6) != 0) return fail("not a .npy file (no \\x93NUMPY magic)");
  const uint8_t major = b[6];
  if (major < 1 || major > 3) return fail("unsupported .npy version " + std::to_string(major));
  const size_t len_bytes = major == 1 ? 2 : 4;
  if (b.size() < 8 + len_bytes) return fail("truncated .npy header");
  const uint64_t hlen = load(b.data() + 8, uint32_t(len_bytes), false);
  const uint64_t start = 8 + len_bytes + hlen;
  if (hlen > (1u << 20) || start > b.size()) return fail("truncated .npy header");
  const std::string header(reinterpret_cast<const char*>(b.data() + 8 + len_bytes), hlen);
  auto descr = header_value(header, "descr");
  auto fortran = header_value(header, "fortran_order");
  auto shape_text = header_value(header, "shape");
  if (!descr) return std::unexpected(descr.error());
  if (!fortran) return std::unexpected(fortran.error());
  if (!shape_text) return std::unexpected(shape_text.error());
  if (descr->size() < 2 || (*descr)[0] != '\'' || descr->back() != '\'')
    return fail("unsupported dtype " + *descr + " (structured arrays are not weights)");
  const std::string d = descr->substr(1, descr->size() - 2);
  auto t = npy_dtype(d);
  if (!t) return std::unexpected(t.error());
  if (*fortran != "True" && *fortran != "False") return fail("header: fortran_order is not True or False");
  auto shape = parse_shape(*shape_text);
  if (!shape) return std::unexpected(shape.error());
  return decode(d, *t, std::move(*shape), *fortran == "True", b.subspan(start));
}

Result<Arrays> parse_safetensors(ByteSpan b, std::map<std::string, std::string>* metadata) {
  if (b.size() < 8) return fail("not a safetensors file (shorter than its 8-byte header length)");
  const uint64_t hlen = load(b.data(), 8, false);
  if (hlen > (uint64_t(100) << 20) || hlen > b.size() - 8) return fail("safetensors header length past the end of the file");
  const ByteSpan data = b.subspan(8 + hlen);
  boost::system::error_code ec;
  json::value doc = json::parse(std::string_view(reinterpret_cast<const char*>(b.data() + 8), hlen), ec);
  if (ec || !doc.is_object()) return fail("safetensors header is not a JSON object");
  Arrays out;
  for (const auto& [key, v] : doc.as_object()) {
    const std::string name(key);
    if (name == "__metadata__") {
      if (!v.is_object()) return fail("__metadata__ is not an object");
      for (const auto& [mk, mv] : v.as_object()) {
        if (!mv.is_string()) return fail("__metadata__." + std::string(mk) + " is not a string");
        if (metadata) (*metadata)[std::string(mk)] = std::string(mv.as_string());
      }
      continue;
    }
    const json::object* o = v.if_object();
    if (!o || !o->contains("dtype") || !o->contains("shape") || !o->contains("data_offsets"))
      return fail(name + ": needs dtype, shape and data_offsets");
    const auto* dt = o->at("dtype").if_string();
    const auto* sh = o->at("shape").if_array();
    const auto* off = o->at("data_offsets").if_array();
    if (!dt || !sh || !off || off->size() != 2) return fail(name + ": malformed dtype, shape or data_offsets");
    auto t = safetensors_dtype(std::string(*dt));
    if (!t) return fail(t.error(), name + ": ");
    std::vector<uint64_t> shape;
    for (const auto& s : *sh) {
      if (!s.is_uint64() && !(s.is_int64() && s.as_int64() >= 0)) return fail(name + ": shape holds a non-count");
      shape.push_back(s.to_number<uint64_t>());
    }
    uint64_t begin = 0, end = 0;
    for (int i = 0; i < 2; ++i) {
      const auto& x = (*off)[i];
      if (!x.is_uint64() && !(x.is_int64() && x.as_int64() >= 0)) return fail(name + ": data_offsets holds a non-offset");
      (i ? end : begin) = x.to_number<uint64_t>();
    }
    if (begin > end || end > data.size()) return fail(name + ": data_offsets past the end of the file");
    auto a = decode(std::string(*dt), *t, std::move(shape), false, data.subspan(begin, end - begin));
    if (!a) return fail(a.error(), name + ": ");
    out.emplace(name, std::move(*a));
  }
  return out;
}

Result<Arrays> parse_npz(ByteSpan b) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(b.data(), b.size(), 0, &err);
  if (!src) return fail("cannot read the archive: " + std::string(zip_error_strerror(&err)));
  std::unique_ptr<zip_t, ZipCloser> z(zip_open_from_source(src, ZIP_RDONLY, &err));
  if (!z) {
    zip_source_free(src);
    std::string why = zip_error_strerror(&err);
    zip_error_fini(&err);
    return fail("not a .npz (zip) archive: " + why);
  }
  Arrays out;
  const zip_int64_t entries = zip_get_num_entries(z.get(), 0);
  uint64_t total = 0;
  for (zip_int64_t i = 0; i < entries; ++i) {
    zip_stat_t st;
    if (zip_stat_index(z.get(), uint64_t(i), 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME) || !(st.valid & ZIP_STAT_SIZE))
      return fail("archive member " + std::to_string(i) + " is unreadable");
    std::string name = st.name;
    if (name.size() < 5 || name.substr(name.size() - 4) != ".npy") return fail(name + ": not a .npy member");
    name.resize(name.size() - 4);
    // A member's declared size bounds what it may inflate to (zip bombs), 16 GiB in all.
    if (st.size > (uint64_t(16) << 30) - total) return fail(name + ": the archive inflates past 16 GiB");
    total += st.size;
    std::unique_ptr<zip_file_t, ZipFileCloser> f(zip_fopen_index(z.get(), uint64_t(i), 0));
    if (!f) return fail(name + ": " + zip_strerror(z.get()));
    Bytes bytes(st.size);
    const zip_int64_t got = st.size ? zip_fread(f.get(), bytes.data(), st.size) : 0;
    if (got < 0 || uint64_t(got) != st.size) return fail(name + ": damaged member (" + zip_file_strerror(f.get()) + ")");
    auto a = parse_npy(bytes);
    if (!a) return fail(a.error(), name + ": ");
    if (!out.emplace(name, std::move(*a)).second) return fail(name + ": twice in the archive");
  }
  return out;
}

Result<void> read_arrays(const std::filesystem::path& file, Arrays& out, std::map<std::string, std::string>& metadata,
                         uint64_t max_bytes) {
  const std::string ext = file.extension().string();
  if (ext != ".npy" && ext != ".npz" && ext != ".safetensors")
    return fail(file.string() + ": unknown kind of file (give .npy, .npz or .safetensors)");
  auto bytes = read_file(file, max_bytes);
  if (!bytes) return fail(bytes.error(), file.string() + ": ");
  Arrays got;
  if (ext == ".npy") {
    auto a = parse_npy(*bytes);
    if (!a) return fail(a.error(), file.string() + ": ");
    got.emplace(file.stem().string(), std::move(*a));
  } else {
    auto r = ext == ".npz" ? parse_npz(*bytes) : parse_safetensors(*bytes, &metadata);
    if (!r) return fail(r.error(), file.string() + ": ");
    got = std::move(*r);
  }
  for (auto& [name, a] : got)
    if (!out.emplace(name, std::move(a)).second) return fail(file.string() + ": array " + name + " given twice");
  return {};
}

}  // namespace ghost::ml
