#include "kr_aws_iam/errors.hpp"

namespace kr_aws_iam {

namespace aws = keeper_rotate::aws;

namespace {

std::string said(const aws::ServiceError& e) {
  std::string s = "AWS said " + e.code() + " (HTTP " + std::to_string(e.httpStatus()) + ")";
  if (!e.serviceMessage().empty()) s += ": " + e.serviceMessage();
  if (!e.requestId().empty()) s += " [request id " + e.requestId() + "]";
  return s;
}

std::string who(const CallContext& c) { return c.callerArn.empty() ? "the admin credential" : c.callerArn; }

}  // namespace

keeper_rotate::Error explainServiceError(const aws::ServiceError& e, const CallContext& c) {
  const std::string code = "aws." + e.code();
  const std::string what = c.action + " for IAM user '" + c.userName + "' failed: " + said(e) + ". ";
  auto config = [&](const std::string& advice) {
    return c.beforeAnyChange ? keeper_rotate::configError(code, what + advice + " Nothing was changed.")
                             : keeper_rotate::failure(code, what + advice);
  };
  if (e.code() == "AccessDenied" || e.code() == "AccessDeniedException" || e.code() == "UnauthorizedOperation")
    return config("Grant " + who(c) + " the IAM permission for " + c.action + " on this user; the minimum policy is " +
                  kMinimumPolicy + ".");
  if (e.code() == "InvalidClientTokenId" || e.code() == "UnrecognizedClientException")
    return config("The access key of " + who(c) + " is not known to AWS (deleted, mistyped, or of another partition "
                  "than " + c.endpoint + "); fix the admin credential.");
  if (e.code() == "SignatureDoesNotMatch") {
    if (e.serviceMessage().find("expired") != std::string::npos ||
        e.serviceMessage().find("Signature not yet current") != std::string::npos)
      return config("This machine's clock differs from AWS's by more than 5 minutes; fix the clock (NTP).");
    return config("The admin secret access key does not match its key id; fix the admin credential.");
  }
  if (e.code() == "ExpiredToken" || e.code() == "ExpiredTokenException" || e.code() == "InvalidToken")
    return config("The admin's temporary credentials (session token) are expired or invalid; refresh them.");
  if (e.code() == "NoSuchEntity")
    return config("IAM has no user '" + c.userName + "' in this account; set the PAM User's Login to the IAM user "
                  "name (user names are unique ignoring case, but must be given exactly).");
  if (e.code() == "LimitExceeded")
    return keeper_rotate::failure(code, what + "The user has 2 access keys, AWS's limit (someone may have created one "
                                               "since validation); free a slot or set when_full.");
  if (e.transient())
    return keeper_rotate::failure(code, what + "AWS kept failing after the allowed retries; try again later.");
  return c.beforeAnyChange ? keeper_rotate::configError(code, what + "Nothing was changed.")
                           : keeper_rotate::failure(code, what);
}

keeper_rotate::Error explainPermanentlyUnreachable(const aws::PermanentlyUnreachable& e, const CallContext& c) {
  using keeper_rotate::https::TransportFailure;
  std::string advice;
  switch (e.failure()) {
    case TransportFailure::Certificate:
      advice = "If it is not the endpoint meant, correct aws_iam_endpoint/aws_sts_endpoint (AWS_ENDPOINT_URL_IAM, "
               "AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL).";
      break;
    case TransportFailure::HostName:
      advice = "The endpoint's certificate is issued for another host name: use an endpoint URL with a name the "
               "certificate carries (aws_iam_endpoint/aws_sts_endpoint, AWS_ENDPOINT_URL_*).";
      break;
    case TransportFailure::UnknownHost:
      advice = "Correct the endpoint's host name (aws_iam_endpoint/aws_sts_endpoint, AWS_ENDPOINT_URL_*, "
               "aws_region/aws_partition) or this machine's DNS.";
      break;
    case TransportFailure::ProxyRefused:
      advice = "Allow " + c.endpoint + " in the proxy named by HTTPS_PROXY (or fix its credentials), or list the "
               "host in NO_PROXY.";
      break;
    default:
      advice = "Check the endpoint URL and HTTPS_PROXY.";
      break;
  }
  // e.what() is "<Action>: <the https client's message>"; the call context names the action already.
  std::string detail = e.what();
  if (const auto colon = detail.find(": ");
      colon != std::string::npos && c.action.compare(0, colon, detail, 0, colon) == 0)
    detail.erase(0, colon + 2);
  return keeper_rotate::configError(e.code(), c.action + " cannot reach the endpoint, and no retry can fix it: " +
                                                  detail + ". " + advice +
                                                  (c.beforeAnyChange ? " Nothing was changed." : ""));
}

keeper_rotate::Error explainUnreachable(const aws::Unreachable& e, const CallContext& c) {
  if (const auto* permanent = dynamic_cast<const aws::PermanentlyUnreachable*>(&e))
    return explainPermanentlyUnreachable(*permanent, c);
  return keeper_rotate::failure("aws.unreachable", c.action + " could not reach " + c.endpoint + ": " + e.what() +
                                                       ". Check network access, HTTPS_PROXY/NO_PROXY and, for tests or "
                                                       "VPC endpoints, aws_iam_endpoint/aws_sts_endpoint.");
}

}  // namespace kr_aws_iam
