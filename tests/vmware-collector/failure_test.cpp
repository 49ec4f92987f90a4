#include "zabitan/vsphere/failure.h"

#include <catch2/catch.hpp>

using zabitan::Status;
using zabitan::vsphere::FailureReason;

TEST_CASE("failure: a refused login names InvalidLogin", "[vsphere]") {
  CHECK(FailureReason(Status::Error("https://vc/sdk: InvalidLogin: Login failure")) ==
        "login refused (InvalidLogin): https://vc/sdk: InvalidLogin: Login failure");
}

TEST_CASE("failure: a missing privilege names NoPermission", "[vsphere]") {
  CHECK(FailureReason(Status::Error("QueryPerf: NoPermission: Permission to perform this operation was denied."))
            .rfind("permission missing (NoPermission): ", 0) == 0);
}

TEST_CASE("failure: curl's connection errors read as unreachable", "[vsphere]") {
  CHECK(FailureReason(Status::Error("https://127.0.0.1:1/sdk: Failed to connect to 127.0.0.1 port 1: Connection refused"))
            .rfind("unreachable: ", 0) == 0);
  CHECK(FailureReason(Status::Error("https://x/sdk: Could not resolve host: x")).rfind("unreachable: ", 0) == 0);
  CHECK(FailureReason(Status::Error("https://x/sdk: Connection timed out after 10001 milliseconds"))
            .rfind("unreachable: ", 0) == 0);
}

TEST_CASE("failure: certificate problems read as TLS mismatch", "[vsphere]") {
  CHECK(FailureReason(Status::Error("https://x/sdk: SSL certificate problem: self-signed certificate"))
            .rfind("TLS mismatch: ", 0) == 0);
}

TEST_CASE("failure: anything else is passed through", "[vsphere]") {
  CHECK(FailureReason(Status::Error("RetrievePropertiesEx: bad reply")) == "RetrievePropertiesEx: bad reply");
}
