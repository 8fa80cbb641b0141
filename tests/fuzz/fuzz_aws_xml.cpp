// Target aws_xml: AWS query-protocol response bodies through KeeperRotate::aws's XML reader (sdk/aws, xml.hpp:
// parseXml, the SDK's own strict reader, with DTDs refused and a depth cap) and its ErrorResponse reader
// (query_client.hpp: parseErrorResponse). Documented failure: XmlError from parseXml; parseErrorResponse answers
// nullopt for anything that is not an ErrorResponse and never throws.
#include <cstddef>
#include <cstdint>
#include <keeper_rotate/aws/query_client.hpp>
#include <keeper_rotate/aws/xml.hpp>
#include <string>

#include "fuzz_input.hpp"

namespace aws = keeper_rotate::aws;

namespace {

std::size_t walk(const aws::XmlElement& e, int depth) {
  if (depth > 64) kr_fuzz::violated("parseXml returned a tree deeper than its depth cap");  // documented depth cap
  std::size_t n = e.name.size() + e.text.size();
  for (const auto& c : e.children) {
    if (e.child(c.name) == nullptr) kr_fuzz::violated("XmlElement::child does not find a child by its own name");
    n += walk(c, depth + 1);
  }
  return n;
}

}  // namespace

namespace {

void fuzzOne(std::string_view input) {
  const std::string_view body = input;
  std::size_t total = 0;
  try {
    const aws::XmlElement root = aws::parseXml(body);
    total += walk(root, 1);
    // The paths the IAM provider reads.
    for (const char* path :
         {"ListAccessKeysResult/AccessKeyMetadata", "CreateAccessKeyResult/AccessKey/SecretAccessKey",
          "AssumeRoleResult/Credentials/SessionToken", "GetCallerIdentityResult/Arn",
          "/ListAccessKeysResult//IsTruncated/", "Error/Code"})
      total += root.textOf(path).size() + (root.find(path) != nullptr ? 1 : 0);
    if (const aws::XmlElement* list = root.find("ListAccessKeysResult/AccessKeyMetadata"))
      total += list->childrenNamed("member").size();
  } catch (const aws::XmlError&) {
  }
  if (auto error = aws::parseErrorResponse(400, body, "FuzzAction")) {
    if (error->code().empty())
      kr_fuzz::violated(
          "parseErrorResponse returned a ServiceError without a Code");  // documented: an ErrorResponse has a Code
    total += error->serviceMessage().size() + error->requestId().size() + (error->transient() ? 1 : 0) +
             std::string(error->what()).size();
  }
  kr_fuzz::keep(total);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return kr_fuzz::run([&] { fuzzOne(kr_fuzz::bytes(data, size)); });
}
