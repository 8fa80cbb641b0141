// Uses every header of KeeperRotate::aws once, and checks one SigV4 known answer (sdk/docs/aws.md), so the
// installed archive and its dependencies are linked and work.
#include <keeper_rotate/aws/partitions.hpp>
#include <keeper_rotate/aws/query_client.hpp>
#include <keeper_rotate/aws/sigv4.hpp>
#include <keeper_rotate/aws/xml.hpp>
#include <keeper_rotate/https_client.hpp>

#include <cstdio>

int consumerMain() {
  using namespace keeper_rotate::aws;
  const Credentials creds("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  RequestToSign request;
  request.method = "GET";
  request.query = "Action=ListUsers&Version=2010-05-08";
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                     {"Host", "iam.amazonaws.com"},
                     {"X-Amz-Date", "20150830T123600Z"}};
  const bool signatureOk = computeSignature(request, creds, {"us-east-1", "iam"}, "20150830T123600Z").signature ==
                           "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";
  const bool xmlOk = parseXml("<R xmlns='urn:x'><A>1</A></R>").textOf("A") == "1";
  const bool partitionOk = partitionForRegion("cn-north-1").value_or(Partition{}).name == "aws-cn";
  keeper_rotate::https::Client http;
  QueryClient client(http, Service{"https://iam.amazonaws.com", "2010-05-08", {"us-east-1", "iam"}});
  const bool clientOk = client.service().version == "2010-05-08";
  std::printf("signature %s, xml %s, partition %s, client %s\n", signatureOk ? "ok" : "WRONG", xmlOk ? "ok" : "WRONG",
              partitionOk ? "ok" : "WRONG", clientOk ? "ok" : "WRONG");
  return signatureOk && xmlOk && partitionOk && clientOk ? 0 : 1;
}

#ifndef AWS_CONSUMER_NO_MAIN
int main() { return consumerMain(); }
#endif
