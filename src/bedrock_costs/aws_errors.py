"""Turn AWS SDK errors into one line that says what went wrong and what to do next.

Used by the commands that call AWS (``logging``, ``logs fetch``): each passes the IAM action the
failing call needs, so an AccessDenied names the missing permission instead of a raw stack trace.
"""

from __future__ import annotations

from typing import Final

#: Error codes AWS uses for a missing IAM permission (S3 uses ``AccessDenied``).
ACCESS_DENIED_CODES: Final = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Forbidden", "403"}
)
EXPIRED_CODES: Final = frozenset(
    {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "InvalidClientTokenId"}
)

CREDENTIALS_HELP: Final = (
    "configure AWS credentials: run `aws configure` (or `aws sso login --profile NAME` and "
    "export AWS_PROFILE=NAME), or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
)


def error_code(error: BaseException) -> str:
    """The AWS error code of a botocore ``ClientError`` (``""`` for anything else)."""
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return ""
    code = response.get("Error", {}).get("Code", "")
    return str(code)


def explain(error: BaseException, *, action: str, resource: str = "") -> str:
    """One-line explanation of ``error`` raised by the call that needs IAM ``action``.

    ``resource`` (an ARN or ``s3://`` URL) is named in the message when given.
    """
    from botocore.exceptions import (
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        PartialCredentialsError,
    )

    where = f" on {resource}" if resource else ""
    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        return f"no usable AWS credentials found: {CREDENTIALS_HELP}"
    if isinstance(error, NoRegionError):
        return "no AWS Region configured: pass --region, or set AWS_REGION / AWS_DEFAULT_REGION"
    if isinstance(error, EndpointConnectionError):
        return f"cannot reach the AWS endpoint ({error}): check the Region name and the network"
    if isinstance(error, ClientError):
        code = error_code(error)
        message = error.response.get("Error", {}).get("Message", "") or str(error)
        if code in ACCESS_DENIED_CODES:
            return (
                f"access denied{where}: the caller needs the IAM permission {action} "
                f"(AWS said: {message}); add it to the role or user policy and run again"
            )
        if code in EXPIRED_CODES:
            return f"the AWS credentials were rejected ({code}): {CREDENTIALS_HELP}"
        if code == "NoSuchBucket":
            return f"the bucket does not exist{where}: check --bucket (and the account you use)"
        return f"{action} failed{where}: {code}: {message}"
    return f"{action} failed{where}: {error}"
