// zabitan — the vSphere service entry points and a session that outlives one run.
//
// Every moref comes from RetrieveServiceContent (vCenter and ESXi name them differently).
// A cron-driven collector must not log in every minute: vCenter refuses new sessions at a few
// thousand, and every login that is not logged out lingers for 30 minutes. So the session
// cookie is kept in a state file (mode 0600); the next run checks it with
// SessionManager.currentSession and logs in only when it is gone (NotAuthenticated). Connect
// does it all. Not thread-safe: the calls use the client's connection (soap_client.h).
//
// Example:
//   zabitan::vsphere::SoapOptions options;
//   options.url = "https://vcenter.example.com/sdk";
//   zabitan::vsphere::Credentials credentials{"monitor@vsphere.local", "secret"};
//   zabitan::vsphere::Connection vc;
//   bool reused = false;
//   zabitan::Status s = zabitan::vsphere::Connect(options, &credentials, "/var/lib/zabitan/vmware",
//                                                 &vc, &reused);
//   const char* kind = reused ? "reused" : "new";
//   if (s.ok()) std::printf("%s: %s session\n", vc.content.full_name.c_str(), kind);
#ifndef ZABITAN_VSPHERE_SESSION_H_
#define ZABITAN_VSPHERE_SESSION_H_

#include <memory>
#include <string>

#include "zabitan/common/status.h"
#include "zabitan/vsphere/soap_client.h"
#include "zabitan/vsphere/types.h"

namespace zabitan::vsphere {

struct ServiceContent {
  ManagedObject root_folder, property_collector, view_manager, session_manager, perf_manager,
      setting, search_index;
  std::string full_name;    // "VMware vCenter Server 6.5.0 build-..."
  std::string api_type;     // "VirtualCenter" or "HostAgent"
  std::string api_version;  // "6.5"
  std::string instance_uuid;
};

struct Credentials {
  std::string user;
  std::string password;  // never logged
};

Status RetrieveServiceContent(SoapClient& client, ServiceContent* content);
Status Login(SoapClient& client, const ServiceContent& content, const Credentials& credentials);
Status Logout(SoapClient& client, const ServiceContent& content);
// Whether the client's cookie names a live session (*user gets its user name).
Status CurrentSession(SoapClient& client, const ServiceContent& content, bool* active,
                      std::string* user);

// A short stable name for `text` (16 hex digits) for state files of an endpoint.
std::string StateKey(std::string_view text);

// The state file of one endpoint and user inside `state_dir`.
std::string SessionFile(const std::string& state_dir, const std::string& url,
                        const std::string& user);

// Reuses the session saved in `state_file` when it is still alive, else logs in and saves the
// new cookie there (mode 0600). *reused says which happened.
Status EnsureSession(SoapClient& client, const ServiceContent& content,
                     const Credentials& credentials, const std::string& state_file, bool* reused);

// A connection to one endpoint: what every program's use of it starts with.
struct Connection {
  std::unique_ptr<SoapClient> client;
  ServiceContent content;
};

// Makes a client for `options` and reads the endpoint's ServiceContent; then, when
// `credentials` are given, reuses the session saved in `state_dir` for the endpoint and user
// (SessionFile) when it is still alive, or logs in and saves the new one (*reused, when not
// null, says which). Without credentials no session is touched (--logout, or a collector that
// makes sure of the session every cycle). An error names the step that failed.
Status Connect(const SoapOptions& options, const Credentials* credentials,
               const std::string& state_dir, Connection* connection, bool* reused = nullptr);

// Logs out and forgets the saved session (--logout).
Status EndSession(SoapClient& client, const ServiceContent& content, const std::string& state_file);

}  // namespace zabitan::vsphere

#endif  // ZABITAN_VSPHERE_SESSION_H_
