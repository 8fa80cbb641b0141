// The XML element tree of keeper_rotate/aws/xml.hpp over Poco's SAX parser (expat). Safety rules
// (sdk/docs/aws.md, "XML"): no DTD at all (so no entity declarations, no external entities), a size cap, a depth
// cap, and every text buffer this code owns is zeroed before it is released.
#include "keeper_rotate/aws/xml.hpp"

#include <keeper_rotate/text.hpp>

#include <Poco/Exception.h>
#include <Poco/SAX/Attributes.h>
#include <Poco/SAX/ContentHandler.h>
#include <Poco/SAX/DTDHandler.h>
#include <Poco/SAX/DeclHandler.h>
#include <Poco/SAX/EntityResolver.h>
#include <Poco/SAX/ErrorHandler.h>
#include <Poco/SAX/LexicalHandler.h>
#include <Poco/SAX/SAXException.h>
#include <Poco/SAX/SAXParser.h>
#include <Poco/SAX/XMLReader.h>

#include <algorithm>
#include <string.h>  // explicit_bzero

namespace keeper_rotate::aws {
namespace {

using Poco::XML::XMLChar;
using Poco::XML::XMLString;

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

[[noreturn]] void refuseDtd() { throw XmlError("XML refused: a DTD or DOCTYPE is not allowed in an AWS response"); }

class TreeBuilder final : public Poco::XML::ContentHandler,
                          public Poco::XML::LexicalHandler,
                          public Poco::XML::DeclHandler,
                          public Poco::XML::DTDHandler,
                          public Poco::XML::EntityResolver,
                          public Poco::XML::ErrorHandler {
 public:
  XmlElement root;
  bool haveRoot = false;

  // ContentHandler
  void setDocumentLocator(const Poco::XML::Locator*) override {}
  void startDocument() override {}
  void endDocument() override {}
  void startElement(const XMLString&, const XMLString& localName, const XMLString& qname,
                    const Poco::XML::Attributes&) override {
    const XMLString& name = localName.empty() ? qname : localName;
    if (stack_.empty()) {
      if (haveRoot) throw XmlError("XML malformed: more than one root element");
      haveRoot = true;
      root.name = name;
      stack_.push_back(&root);
      return;
    }
    if (stack_.size() >= kMaxDepth) throw XmlError("XML refused: elements nested deeper than " +
                                                   std::to_string(kMaxDepth));
    XmlElement& parent = *stack_.back();
    parent.children.emplace_back();
    parent.children.back().name = name;
    stack_.push_back(&parent.children.back());
  }
  void endElement(const XMLString&, const XMLString&, const XMLString&) override {
    if (!stack_.empty()) stack_.pop_back();
  }
  void characters(const XMLChar ch[], int start, int length) override {
    if (stack_.empty() || length <= 0) return;
    appendWiping(stack_.back()->text, ch + start, static_cast<std::size_t>(length));
  }
  void ignorableWhitespace(const XMLChar ch[], int start, int length) override { characters(ch, start, length); }
  void processingInstruction(const XMLString&, const XMLString&) override {}
  void startPrefixMapping(const XMLString&, const XMLString&) override {}
  void endPrefixMapping(const XMLString&) override {}
  void skippedEntity(const XMLString&) override { throw XmlError("XML refused: an entity reference"); }

  // LexicalHandler: a DOCTYPE ends the parse before its internal subset is read.
  void startDTD(const XMLString&, const XMLString&, const XMLString&) override { refuseDtd(); }
  void endDTD() override { refuseDtd(); }
  void startEntity(const XMLString&) override { throw XmlError("XML refused: an entity"); }
  void endEntity(const XMLString&) override { throw XmlError("XML refused: an entity"); }
  void startCDATA() override {}
  void endCDATA() override {}
  void comment(const XMLChar[], int, int) override {}

  // DeclHandler and DTDHandler: only reachable with a DTD, which is refused; refused again here in any case.
  void attributeDecl(const XMLString&, const XMLString&, const XMLString*, const XMLString*) override { refuseDtd(); }
  void elementDecl(const XMLString&, const XMLString&) override { refuseDtd(); }
  void externalEntityDecl(const XMLString&, const XMLString*, const XMLString&) override { refuseDtd(); }
  void internalEntityDecl(const XMLString&, const XMLString&) override { refuseDtd(); }
  void notationDecl(const XMLString&, const XMLString*, const XMLString*) override { refuseDtd(); }
  void unparsedEntityDecl(const XMLString&, const XMLString*, const XMLString&, const XMLString&) override {
    refuseDtd();
  }

  // EntityResolver: nothing external is ever loaded.
  Poco::XML::InputSource* resolveEntity(const XMLString*, const XMLString&) override {
    throw XmlError("XML refused: an external entity");
  }
  void releaseInputSource(Poco::XML::InputSource*) override {}

  // ErrorHandler: the parser throws after reporting; nothing to add.
  void warning(const Poco::XML::SAXException&) override {}
  void error(const Poco::XML::SAXException&) override {}
  void fatalError(const Poco::XML::SAXException&) override {}

  bool complete() const { return haveRoot && stack_.empty(); }

 private:
  std::vector<XmlElement*> stack_;  // the open elements, root first (ancestors never move while open)
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

  TreeBuilder builder;
  try {
    Poco::XML::SAXParser parser;
    parser.setFeature(Poco::XML::XMLReader::FEATURE_NAMESPACES, true);
    parser.setFeature(Poco::XML::XMLReader::FEATURE_NAMESPACE_PREFIXES, false);
    parser.setFeature(Poco::XML::XMLReader::FEATURE_EXTERNAL_GENERAL_ENTITIES, false);
    parser.setFeature(Poco::XML::XMLReader::FEATURE_EXTERNAL_PARAMETER_ENTITIES, false);
    parser.setContentHandler(&builder);
    parser.setDTDHandler(&builder);
    parser.setEntityResolver(&builder);
    parser.setErrorHandler(&builder);
    parser.setProperty(Poco::XML::XMLReader::PROPERTY_LEXICAL_HANDLER,
                       static_cast<Poco::XML::LexicalHandler*>(&builder));
    parser.setProperty(Poco::XML::XMLReader::PROPERTY_DECLARATION_HANDLER,
                       static_cast<Poco::XML::DeclHandler*>(&builder));
    parser.parseMemoryNP(document.data(), document.size());
  } catch (const XmlError&) {
    throw;
  } catch (const Poco::Exception& e) {
    throw XmlError("XML malformed: " + e.message());
  } catch (const std::exception& e) {
    throw XmlError(std::string("XML malformed: ") + e.what());
  }
  if (!builder.complete()) throw XmlError("XML malformed: no complete root element");
  return std::move(builder.root);
}

}  // namespace keeper_rotate::aws
