// The aws-iam-access-key provider's metadata: its PAM User record fields (docs/contract.md, "Provider
// aws-iam-access-key") and its admin credential. One table for the plugin (which registers it with the host) and for
// the tests (which give it to the SDK test kit's in-memory host), so the host applies each rule and default written
// here and RotationConfig::fromContext repeats none of them.
//
// The labels are Keeper's own ("IAM User Access Key" post-rotation script), so records set up for that script keep
// working. The IAM user name is the PAM User's Login, the record type's own `login` field (the Gateway and KSM key an
// unlabelled field by its type); declaring it makes the host require it and name it as the run's target.
#pragma once

#include <keeper_rotate/sdk.hpp>

namespace kr_aws_iam {

inline constexpr const char* kPluginName = "aws-iam-access-key";
inline constexpr const char* kPluginVersion = "0.1.0";
inline constexpr const char* kPluginDescription =
    "Rotate an AWS IAM user's access key: create, prove with STS, store, then retire the old key per old_keys";

// Labels read or written in more than one place.
inline constexpr const char* kKeyIdField = "aws_access_key_id";
inline constexpr const char* kSecretField = "aws_secret_access_key";
inline constexpr const char* kCreateDateField = "CreateDate";
inline constexpr const char* kRemovedField = "Access_Key_ID_Removed_during_previous_rotation";
inline constexpr const char* kPreviousField = "aws_previous_access_key_id";

inline constexpr kr_field_spec kFields[] = {
    keeper_rotate::Field::input("login")
        .required()
        .describe("IAM user name: the PAM User's Login field (the record type's own field, not a custom field)"),
    keeper_rotate::Field::output(kKeyIdField)
        .alsoInput()  // the key Keeper holds before the run (the held key), then the new key's id
        .describe("Access key id: before the run the key Keeper holds (never deleted before the new one is "
                  "stored), after it the new key"),
    keeper_rotate::Field::output(kSecretField)
        .secret()
        .describe("Secret access key of the new key (read before the run only by credential_source=self)"),
    keeper_rotate::Field::output(kCreateDateField).describe("Creation time of the new key, ISO-8601 UTC"),
    keeper_rotate::Field::output(kRemovedField)
        .alsoInput()
        .describe("Key ids this run retires (deleted or deactivated per old_keys, and a key deleted to free a slot), "
                  "\", \"-joined; on the next run an id listed here that is still Inactive may be deleted to free a "
                  "slot"),
    keeper_rotate::Field::output(kPreviousField)
        .alsoInput()
        .describe("With old_keys=keep-previous: the old key left Active; the next run may delete it to free a slot"),
    keeper_rotate::Field::input("old_keys")
        .oneOf("delete|deactivate|keep-previous|keep")
        .defaultValue("delete")
        .describe("After the new key is stored: delete every other key of the user, deactivate them, keep only the "
                  "key Keeper held (delete the rest), or keep all"),
    keeper_rotate::Field::input("when_full")
        .oneOf("fail|delete-inactive|delete-unheld")
        .describe("The user already has 2 keys (AWS's limit): fail (default), delete an Inactive key Keeper does not "
                  "hold, or delete the key Keeper does not hold even if Active; the held key is never eligible"),
    keeper_rotate::Field::input("delete_all_keys_before_rotating")
        .describe("Keeper compatibility: true/yes/1 means when_full=delete-unheld (the held key is still retired only "
                  "after the store)"),
    keeper_rotate::Field::input("aws_region")
        .describe("Region of the STS endpoint that proves the new key (default: the PAM Configuration's first region, "
                  "AWS_REGION, AWS_DEFAULT_REGION, then the partition's IAM region)"),
    keeper_rotate::Field::input("aws_partition")
        .oneOf("aws|aws-us-gov|aws-cn")
        .describe("AWS partition: aws, aws-us-gov (GovCloud) or aws-cn (China); default from the region"),
    keeper_rotate::Field::input("aws_iam_endpoint")
        .url()
        .describe("IAM endpoint root overriding AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL and the partition's endpoint"),
    keeper_rotate::Field::input("aws_sts_endpoint")
        .url()
        .describe("STS endpoint root overriding AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL and the regional endpoint"),
    keeper_rotate::Field::input("verify_timeout_seconds")
        .integer(0, 3600)
        .defaultValue("300")
        .describe("How long to wait for the new key to work (0 skips the proof, not recommended)"),
    keeper_rotate::Field::input("verify_successes")
        .integer(1, 100)
        .defaultValue("3")
        .describe("Consecutive successful STS GetCallerIdentity calls, about a second apart, that prove the new key"),
};

// The admin credential and where each credential source finds it: the labels of Keeper's script on an attached
// record, the AWS PAM Configuration's fields, the AWS SDKs' variables. `instance-role` produces this scheme from
// the EC2 instance's role; `self` reads the PAM User's own key under the attached-record labels.
inline constexpr const char* kCredentialScheme = "aws-access-key";
inline constexpr const char* kCredentialSubject = "AWS admin";
inline constexpr const char* kCredentialConfiguration = "AWS";
inline constexpr kr_credential_part kCredentialParts[] = {
    keeper_rotate::CredentialPart::named("access_key_id")
        .onAttachedRecord("aws_access_key_id")
        .inPamConfiguration("accessKeyId")
        .inEnvironment("AWS_ACCESS_KEY_ID")
        .describe("the admin's access key id"),
    keeper_rotate::CredentialPart::named("secret_access_key")
        .secret()
        .onAttachedRecord("aws_secret_access_key")
        .inPamConfiguration("accessSecretKey")
        .inEnvironment("AWS_SECRET_ACCESS_KEY")
        .describe("the admin's secret access key"),
    keeper_rotate::CredentialPart::named("session_token")
        .secret()
        .optional()
        .inEnvironment("AWS_SESSION_TOKEN")
        .describe("session token of temporary credentials"),
    keeper_rotate::CredentialPart::named("role_arn")
        .optional()
        .onAttachedRecord("role_arn")
        .describe("a role to assume with the admin key (STS AssumeRole) before calling IAM"),
};

}  // namespace kr_aws_iam
