// The XML element tree of keeper_rotate/aws/xml.hpp: a strict reader for the XML 1.0 (with namespaces) that AWS
// query-protocol answers are written in, with no library underneath. Every rotating AWS process and every
// `plugins list` loads this code, and an XML library costs them start-up time (tools/bench/README.md); a reader
// of our own also owns every buffer a secret passes through, so all of them are zeroed.
//
// Safety rules (sdk/docs/aws.md, "XML"): no DTD at all (so no entity declarations, no external entities: only the
// five predefined entities and character references exist), a size cap, a depth cap, well-formed UTF-8 and only
// the characters XML allows, and every text buffer zeroed before it is released. The reader is iterative (an
// explicit stack of open elements), so hostile nesting cannot exhaust the machine stack while parsing.
#include "keeper_rotate/aws/xml.hpp"

#include <keeper_rotate/text.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string.h>  // explicit_bzero
#include <unordered_map>

namespace keeper_rotate::aws {
namespace {

// Deeper than any AWS response (ListAccessKeys is five levels); keeps hostile nesting from exhausting the stack in
// the recursive destructor.
constexpr std::size_t kMaxDepth = 64;

// Zero every byte the string's buffer holds (its whole capacity: a moved-from short string keeps its old bytes in
// the inline buffer), then empty it.
void wipeAll(std::string& s) noexcept {
  s.resize(s.capacity());  // never reallocates; fills the tail with zeros
  if (!s.empty()) explicit_bzero(s.data(), s.size());
  s.clear();
}

// Append without leaving a copy behind: when the buffer must grow, the new one is allocated here and the old one
// zeroed before it is freed (std::string's own growth would free it as it is).
void appendWiping(std::string& s, const char* data, std::size_t size) {
  if (s.size() + size > s.capacity()) {
    std::string grown;
    grown.reserve(std::max(s.capacity() * 2, s.size() + size));
    grown.append(s);
    wipeAll(s);
    s.swap(grown);  // `grown` now holds the wiped old buffer
  }
  s.append(data, size);
}

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// XML's name characters of the ASCII range. Names beyond ASCII are refused (see Reader::name): XML allows many, by
// tables that differ between its editions and parsers, and no AWS answer uses one. Colons are checked by the
// namespace rules.
bool isNameStart(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'; }
bool isNameChar(unsigned char c) { return isNameStart(c) || (c >= '0' && c <= '9') || c == '-' || c == '.'; }

// XML 1.0's Char production: tab, newline, carriage return, and the rest from U+0020 without surrogates,
// U+FFFE and U+FFFF.
bool isXmlChar(std::uint32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
         (cp >= 0x10000 && cp <= 0x10FFFF);
}

void appendUtf8(std::string& out, std::uint32_t cp) {
  char buf[4];
  std::size_t n = 0;
  if (cp < 0x80) {
    buf[n++] = static_cast<char>(cp);
  } else if (cp < 0x800) {
    buf[n++] = static_cast<char>(0xC0 | (cp >> 6));
    buf[n++] = static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    buf[n++] = static_cast<char>(0xE0 | (cp >> 12));
    buf[n++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    buf[n++] = static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    buf[n++] = static_cast<char>(0xF0 | (cp >> 18));
    buf[n++] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    buf[n++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    buf[n++] = static_cast<char>(0x80 | (cp & 0x3F));
  }
  appendWiping(out, buf, n);
  explicit_bzero(buf, sizeof buf);
}

[[noreturn]] void refuseDtd() { throw XmlError("XML refused: a DTD or DOCTYPE is not allowed in an AWS response"); }

class Reader {
 public:
  explicit Reader(std::string_view doc) : doc_(doc) {}

  XmlElement read() {
    checkCharacters();
    if (doc_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;  // a UTF-8 byte order mark
    if (startsWith("<?xml") && pos_ + 5 < doc_.size() && (isSpace(doc_[pos_ + 5]) || doc_[pos_ + 5] == '?'))
      declaration();
    misc(false);
    if (atEnd() || doc_[pos_] != '<') malformed("no root element");
    content();
    misc(true);
    return std::move(root_);
  }

 private:
  struct Open {
    XmlElement* element;
    std::string_view qname;
    std::size_t bindingsBefore;
  };

  std::string_view doc_;
  std::size_t pos_ = 0;
  XmlElement root_;
  std::vector<Open> open_;  // the open elements, root first (ancestors never move while open)
  // Namespace prefixes in scope: how many open declarations each has, and the declarations in document order to
  // undo at each end tag. A map, not a search of the list: a hostile document can declare many thousands.
  std::unordered_map<std::string_view, std::size_t> inScope_;
  std::vector<std::string_view> bound_;

  bool atEnd() const { return pos_ >= doc_.size(); }
  bool startsWith(std::string_view s) const { return doc_.compare(pos_, s.size(), s) == 0; }

  [[noreturn]] void malformed(const std::string& what) const {
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < pos_ && i < doc_.size(); ++i) {
      if (doc_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    throw XmlError("XML malformed: " + what + " (line " + std::to_string(line) + ", column " +
                   std::to_string(column) + ")");
  }

  void expect(std::string_view s, const char* what) {
    if (!startsWith(s)) malformed(std::string("expected ") + what);
    pos_ += s.size();
  }

  bool skipSpace() {
    const std::size_t from = pos_;
    while (!atEnd() && isSpace(doc_[pos_])) ++pos_;
    return pos_ != from;
  }

  // Well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF) holding only XML characters.
  void checkCharacters() {
    const auto* p = reinterpret_cast<const unsigned char*>(doc_.data());
    const std::size_t n = doc_.size();
    for (std::size_t i = 0; i < n;) {
      const unsigned char c = p[i];
      std::uint32_t cp = 0;
      std::size_t len = 0;
      if (c < 0x80) {
        cp = c;
        len = 1;
      } else if (c >= 0xC2 && c <= 0xDF) {
        cp = c & 0x1F;
        len = 2;
      } else if (c >= 0xE0 && c <= 0xEF) {
        cp = c & 0x0F;
        len = 3;
      } else if (c >= 0xF0 && c <= 0xF4) {
        cp = c & 0x07;
        len = 4;
      } else {
        pos_ = i;
        malformed("not UTF-8");
      }
      if (i + len > n) {
        pos_ = i;
        malformed("not UTF-8 (a sequence is cut off)");
      }
      for (std::size_t k = 1; k < len; ++k) {
        if ((p[i + k] & 0xC0) != 0x80) {
          pos_ = i;
          malformed("not UTF-8");
        }
        cp = (cp << 6) | (p[i + k] & 0x3F);
      }
      const bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
      if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        pos_ = i;
        malformed("not UTF-8 (an overlong form, a surrogate or a value above U+10FFFF)");
      }
      if (!isXmlChar(cp)) {
        pos_ = i;
        malformed("a character XML does not allow (U+" + hex(cp) + ")");
      }
      i += len;
    }
  }

  static std::string hex(std::uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04X", static_cast<unsigned>(v));
    return buf;
  }

  // A name or value from the document as an error message quotes it: at most 64 bytes, cut at a character
  // boundary. Messages reach logs and the summary; a hostile answer must not make them megabytes long.
  static std::string shown(std::string_view s) {
    constexpr std::size_t kMax = 64;
    if (s.size() <= kMax) return std::string(s);
    std::size_t cut = kMax;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    return std::string(s.substr(0, cut)) + "...";
  }

  [[noreturn]] void nonAsciiName() const {
    malformed("a name with a character beyond ASCII (AWS element and attribute names are ASCII)");
  }

  std::string_view name() {
    const std::size_t from = pos_;
    if (!atEnd() && static_cast<unsigned char>(doc_[pos_]) >= 0x80) nonAsciiName();
    if (atEnd() || !isNameStart(static_cast<unsigned char>(doc_[pos_]))) malformed("expected a name");
    while (!atEnd() && isNameChar(static_cast<unsigned char>(doc_[pos_]))) ++pos_;
    if (!atEnd() && static_cast<unsigned char>(doc_[pos_]) >= 0x80) nonAsciiName();
    return doc_.substr(from, pos_ - from);
  }

  // `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`: version first, the encoding UTF-8 (or its subset
  // US-ASCII), since the document is read as UTF-8.
  void declaration() {
    pos_ += 5;
    bool first = true;
    int last = -1;
    while (true) {
      const bool space = skipSpace();
      if (startsWith("?>")) {
        pos_ += 2;
        break;
      }
      if (!space) malformed("expected whitespace between the declaration's parts");
      const std::string_view key = name();
      skipSpace();
      expect("=", "'=' in the XML declaration");
      skipSpace();
      if (atEnd() || (doc_[pos_] != '"' && doc_[pos_] != '\'')) malformed("expected a quoted value");
      const char quote = doc_[pos_++];
      const std::size_t end = doc_.find(quote, pos_);
      if (end == std::string_view::npos) malformed("the XML declaration does not end");
      const std::string value(doc_.substr(pos_, end - pos_));
      pos_ = end + 1;
      // version, then encoding, then standalone, each at most once.
      const int rank = key == "version" ? 0 : key == "encoding" ? 1 : key == "standalone" ? 2 : -1;
      if (rank < 0) malformed("'" + shown(key) + "' in the XML declaration");
      if (rank <= last || (first && rank != 0)) malformed("the XML declaration's parts are out of order");
      first = false;
      last = rank;
      if (rank == 0) {
        const bool digits = value.size() > 2 && value.find_first_not_of("0123456789", 2) == std::string::npos;
        if (value.compare(0, 2, "1.") != 0 || !digits) malformed("XML version '" + shown(value) + "'");
      } else if (rank == 1) {
        if (!text::iequals(value, "utf-8") && !text::iequals(value, "utf8") && !text::iequals(value, "us-ascii"))
          throw XmlError("XML refused: encoding '" + shown(value) + "' (AWS answers are UTF-8)");
      } else if (value != "yes" && value != "no") {
        malformed("standalone='" + shown(value) + "'");
      }
    }
    if (first) malformed("the XML declaration has no version");
  }

  void comment() {
    pos_ += 4;  // "<!--"
    const std::size_t end = doc_.find("--", pos_);
    if (end == std::string_view::npos) malformed("a comment does not end");
    if (end + 2 >= doc_.size() || doc_[end + 2] != '>') {
      pos_ = end;
      malformed("'--' inside a comment");
    }
    pos_ = end + 3;
  }

  void processingInstruction() {
    pos_ += 2;  // "<?"
    const std::string_view target = name();
    if (text::iequals(target, "xml"))
      malformed("an XML declaration that is not at the start of the document");
    if (target.find(':') != std::string_view::npos)  // with namespaces, a target is a name without a colon
      malformed("a processing instruction's target '" + shown(target) + "' has a colon");
    const std::size_t end = doc_.find("?>", pos_);
    if (end == std::string_view::npos) malformed("a processing instruction does not end");
    if (end != pos_ && !isSpace(doc_[pos_])) malformed("a processing instruction's target runs into its data");
    pos_ = end + 2;
  }

  // Whitespace, comments and processing instructions, before (`afterRoot` false) or after the root element.
  void misc(bool afterRoot) {
    while (true) {
      skipSpace();
      if (atEnd()) return;
      if (startsWith("<!--")) {
        comment();
      } else if (startsWith("<?")) {
        processingInstruction();
      } else if (startsWith("<!DOCTYPE") || startsWith("<!doctype")) {
        refuseDtd();
      } else if (afterRoot) {
        if (doc_[pos_] == '<' && pos_ + 1 < doc_.size() && isNameStart(static_cast<unsigned char>(doc_[pos_ + 1])))
          throw XmlError("XML malformed: more than one root element");
        malformed("text after the root element");
      } else if (doc_[pos_] == '<' && pos_ + 1 < doc_.size() && doc_[pos_ + 1] == '!') {
        malformed("a declaration where the root element should be");
      } else {
        if (doc_[pos_] != '<') malformed("text before the root element");
        return;
      }
    }
  }

  // `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` and character references; appended to `out` when it is given.
  void reference(std::string* out) {
    const std::size_t at = pos_;
    ++pos_;  // '&'
    const std::size_t semi = doc_.find(';', pos_);
    if (semi == std::string_view::npos || semi - pos_ > 16) malformed("'&' that does not start a reference");
    const std::string_view ref = doc_.substr(pos_, semi - pos_);
    pos_ = semi + 1;
    if (!ref.empty() && ref[0] == '#') {
      const bool hexForm = ref.size() > 1 && ref[1] == 'x';
      const std::string_view digits = ref.substr(hexForm ? 2 : 1);
      if (digits.empty() || digits.size() > 8) malformed("a character reference");
      std::uint32_t cp = 0;
      for (const char c : digits) {
        std::uint32_t d = 0;
        if (c >= '0' && c <= '9') d = static_cast<std::uint32_t>(c - '0');
        else if (hexForm && c >= 'a' && c <= 'f') d = static_cast<std::uint32_t>(c - 'a' + 10);
        else if (hexForm && c >= 'A' && c <= 'F') d = static_cast<std::uint32_t>(c - 'A' + 10);
        else malformed("a character reference");
        cp = cp * (hexForm ? 16 : 10) + d;
      }
      if (!isXmlChar(cp)) {
        pos_ = at;
        malformed("a character reference to a character XML does not allow");
      }
      if (out != nullptr) appendUtf8(*out, cp);
      return;
    }
    char c = 0;
    if (ref == "lt") c = '<';
    else if (ref == "gt") c = '>';
    else if (ref == "amp") c = '&';
    else if (ref == "quot") c = '"';
    else if (ref == "apos") c = '\'';
    else {
      pos_ = at;
      throw XmlError("XML refused: an entity reference other than the five XML predefines (there is no DTD to "
                     "declare one)");
    }
    if (out != nullptr) appendWiping(*out, &c, 1);
  }

  // Character data with XML's line-end handling: CR LF and a lone CR both become LF.
  void appendText(std::string& out, std::string_view raw) {
    std::size_t from = 0;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '\r') continue;
      appendWiping(out, raw.data() + from, i - from);
      appendWiping(out, "\n", 1);
      if (i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
      from = i + 1;
    }
    appendWiping(out, raw.data() + from, raw.size() - from);
  }

  bool isBound(std::string_view prefix) const {
    if (prefix == "xml") return true;
    const auto it = inScope_.find(prefix);
    return it != inScope_.end() && it->second > 0;
  }

  void bind(std::string_view prefix) {
    bound_.push_back(prefix);
    ++inScope_[prefix];
  }

  // Ends the declarations made since `mark` (a start tag's or an element's).
  void unbindTo(std::size_t mark) {
    while (bound_.size() > mark) {
      --inScope_[bound_.back()];
      bound_.pop_back();
    }
  }

  // A qualified name's local part; its prefix must be declared in scope (`xmlns:p`).
  std::string_view localName(std::string_view qname) {
    const std::size_t colon = qname.find(':');
    if (colon == std::string_view::npos) return qname;
    const std::string_view prefix = qname.substr(0, colon);
    const std::string_view local = qname.substr(colon + 1);
    if (prefix.empty() || local.empty() || local.find(':') != std::string_view::npos ||
        !isNameStart(static_cast<unsigned char>(local[0])))
      malformed("'" + shown(qname) + "' is not a qualified name");
    if (!isBound(prefix)) malformed("the prefix '" + shown(prefix) + "' is not declared");
    return local;
  }

  void startTag() {
    ++pos_;  // '<'
    const std::string_view qname = name();
    const std::size_t bindingsBefore = bound_.size();
    std::vector<std::string_view> seen;  // attribute names, checked for duplicates once the tag is read
    std::vector<std::string_view> prefixedAttributes;
    bool selfClosing = false;
    while (true) {
      const bool space = skipSpace();
      if (atEnd()) malformed("a start tag does not end");
      if (startsWith("/>")) {
        pos_ += 2;
        selfClosing = true;
        break;
      }
      if (doc_[pos_] == '>') {
        ++pos_;
        break;
      }
      if (!space) malformed("expected whitespace before an attribute");
      const std::string_view attribute = name();
      seen.push_back(attribute);
      skipSpace();
      expect("=", "'=' after an attribute name");
      skipSpace();
      if (atEnd() || (doc_[pos_] != '"' && doc_[pos_] != '\'')) malformed("expected a quoted attribute value");
      const char quote = doc_[pos_++];
      std::size_t valueLength = 0;
      while (true) {
        if (atEnd()) malformed("an attribute value does not end");
        const char c = doc_[pos_];
        if (c == quote) break;
        if (c == '<') malformed("'<' in an attribute value");
        if (c == '&') {
          reference(nullptr);
          ++valueLength;
        } else {
          ++pos_;
          ++valueLength;
        }
      }
      ++pos_;  // the closing quote
      if (attribute.compare(0, 6, "xmlns:") == 0) {
        const std::string_view prefix = attribute.substr(6);
        if (prefix.empty() || prefix.find(':') != std::string_view::npos || prefix == "xmlns")
          malformed("'" + shown(attribute) + "' does not declare a usable prefix");
        if (valueLength == 0) malformed("the prefix '" + shown(prefix) + "' is declared with an empty name");
        bind(prefix);
      } else if (attribute != "xmlns" && attribute.find(':') != std::string_view::npos) {
        prefixedAttributes.push_back(attribute);
      }
    }
    // Sorted, so that a tag with very many attributes costs n log n, not n squared.
    std::sort(seen.begin(), seen.end());
    if (const auto twice = std::adjacent_find(seen.begin(), seen.end()); twice != seen.end())
      malformed("the attribute '" + shown(*twice) + "' appears twice");
    for (const std::string_view a : prefixedAttributes) localName(a);
    const std::string_view local = localName(qname);

    XmlElement* element = nullptr;
    if (open_.empty()) {
      root_.name = std::string(local);
      element = &root_;
    } else {
      if (open_.size() >= kMaxDepth)
        throw XmlError("XML refused: elements nested deeper than " + std::to_string(kMaxDepth));
      XmlElement& parent = *open_.back().element;
      parent.children.emplace_back();
      parent.children.back().name = std::string(local);
      element = &parent.children.back();
    }
    if (selfClosing) {
      unbindTo(bindingsBefore);
      return;
    }
    open_.push_back(Open{element, qname, bindingsBefore});
  }

  void endTag() {
    pos_ += 2;  // "</"
    const std::string_view qname = name();
    skipSpace();
    expect(">", "'>' at the end of an end tag");
    if (qname != open_.back().qname)
      malformed("</" + shown(qname) + "> closes <" + shown(open_.back().qname) + ">");
    unbindTo(open_.back().bindingsBefore);
    open_.pop_back();
  }

  // From the root's start tag to its end tag.
  void content() {
    startTag();
    while (!open_.empty()) {
      if (atEnd()) malformed("the document ends inside <" + shown(open_.back().qname) + ">");
      std::string& text = open_.back().element->text;
      const char c = doc_[pos_];
      if (c == '<') {
        if (startsWith("</")) {
          endTag();
        } else if (startsWith("<!--")) {
          comment();
        } else if (startsWith("<![CDATA[")) {
          pos_ += 9;
          const std::size_t end = doc_.find("]]>", pos_);
          if (end == std::string_view::npos) malformed("a CDATA section does not end");
          appendText(text, doc_.substr(pos_, end - pos_));
          pos_ = end + 3;
        } else if (startsWith("<?")) {
          processingInstruction();
        } else if (startsWith("<!")) {
          if (startsWith("<!DOCTYPE")) refuseDtd();
          malformed("a declaration inside an element");
        } else {
          startTag();
        }
      } else if (c == '&') {
        reference(&text);
      } else {
        std::size_t end = doc_.find_first_of("<&", pos_);
        if (end == std::string_view::npos) end = doc_.size();
        const std::string_view raw = doc_.substr(pos_, end - pos_);
        if (const std::size_t bad = raw.find("]]>"); bad != std::string_view::npos) {
          pos_ += bad;
          malformed("']]>' in character data");
        }
        appendText(text, raw);
        pos_ = end;
      }
    }
  }
};

std::string_view trimmed(std::string_view s) { return keeper_rotate::text::trim(s); }

}  // namespace

XmlElement::~XmlElement() {
  wipeAll(text);
  wipeAll(name);
}

const XmlElement* XmlElement::child(std::string_view childName) const {
  for (const XmlElement& c : children)
    if (c.name == childName) return &c;
  return nullptr;
}

const XmlElement* XmlElement::find(std::string_view path) const {
  const XmlElement* at = this;
  while (at != nullptr && !path.empty()) {
    const std::size_t slash = path.find('/');
    const std::string_view step = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
    if (step.empty()) continue;  // "a//b" and a leading or trailing '/' mean the same as "a/b"
    at = at->child(step);
  }
  return at;
}

std::string XmlElement::textOf(std::string_view path) const {
  const XmlElement* found = find(path);
  return found == nullptr ? std::string() : std::string(trimmed(found->text));
}

std::vector<const XmlElement*> XmlElement::childrenNamed(std::string_view childName) const {
  std::vector<const XmlElement*> out;
  for (const XmlElement& c : children)
    if (c.name == childName) out.push_back(&c);
  return out;
}

XmlElement parseXml(std::string_view document, std::size_t maxBytes) {
  if (document.size() > maxBytes)
    throw XmlError("XML refused: " + std::to_string(document.size()) + " bytes is more than the limit of " +
                   std::to_string(maxBytes));
  if (trimmed(document).empty()) throw XmlError("XML malformed: empty document");
  return Reader(document).read();
}

}  // namespace keeper_rotate::aws
