// zabitan — the vSphere service entry points and a session that outlives one run.
//
// Every moref comes from RetrieveServiceContent (vCenter and ESXi name them differently).
// A cron-driven collector must not log in every minute: vCenter refuses new sessions at a few
// thousand, and every login that is not logged out lingers for 30 minutes. So the session
// cookie is kept in a state file (mode 0600); the next run checks it with
// SessionManager.currentSession and logs in only when it is gone (NotAuthenticated).
//
//   zabitan::vsphere::ServiceContent sc;
//   zabitan::Status s = zabitan::vsphere::RetrieveServiceContent(*client, &sc);
//   bool reused;
//   s = zabitan::vsphere::EnsureSession(*client, sc, credentials, state_file, &reused);
#ifndef ZABITAN_VSPHERE_SESSION_H_
#define ZABITAN_VSPHERE_SESSION_H_

#include <string>

#include "zabitan/common/status.h"
#include "zabitan/vsphere/soap_client.h"

namespace zabitan::vsphere {

struct ManagedObject {
  std::string type;
  std::string value;
  bool empty() const { return value.empty(); }
};

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

// Writes a file of the state folder whole: mode 0600 from the start (it may hold a session
// cookie), fsync'd, then renamed over `path`, so a reader sees the old file or the new one.
Status WriteStateFile(const std::string& path, const std::string& data);

// The state file of one endpoint and user inside `state_dir`.
std::string SessionFile(const std::string& state_dir, const std::string& url,
                        const std::string& user);

// Reuses the session saved in `state_file` when it is still alive, else logs in and saves the
// new cookie there (mode 0600). *reused says which happened.
Status EnsureSession(SoapClient& client, const ServiceContent& content,
                     const Credentials& credentials, const std::string& state_file, bool* reused);

// Logs out and forgets the saved session (--logout).
Status EndSession(SoapClient& client, const ServiceContent& content, const std::string& state_file);

}  // namespace zabitan::vsphere

#endif  // ZABITAN_VSPHERE_SESSION_H_
