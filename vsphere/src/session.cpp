#include "zabitan/vsphere/session.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "morefs.h"
#include "soap_reply.h"
#include "xml.h"
#include "zabitan/common/secret_file.h"
#include "zabitan/common/unique_fd.h"
#include "zabitan/common/whole_file.h"
#include "zabitan/vsphere/error.h"

namespace zabitan::vsphere {
Status RetrieveServiceContent(SoapClient& client, ServiceContent* sc) {
  SoapResult r;
  Status s = client.Call(
      R"(<RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></RetrieveServiceContent>)",
      &r);
  if (!s.ok()) return s.Prefixed("RetrieveServiceContent");
  pugi::xml_node rv = Child(r.body, "returnval");
  sc->root_folder = Moref(Child(rv, "rootFolder"));
  sc->property_collector = Moref(Child(rv, "propertyCollector"));
  sc->view_manager = Moref(Child(rv, "viewManager"));
  sc->session_manager = Moref(Child(rv, "sessionManager"));
  sc->perf_manager = Moref(Child(rv, "perfManager"));
  sc->setting = Moref(Child(rv, "setting"));
  sc->search_index = Moref(Child(rv, "searchIndex"));
  pugi::xml_node about = Child(rv, "about");
  sc->full_name = ChildText(about, "fullName");
  sc->api_type = ChildText(about, "apiType");
  sc->api_version = ChildText(about, "apiVersion");
  sc->instance_uuid = ChildText(about, "instanceUuid");
  if (sc->session_manager.empty() || sc->property_collector.empty()) {
    return Status::Error(
        "RetrieveServiceContent: the reply names no SessionManager or PropertyCollector",
        Error::kBadReply);
  }
  if (!sc->api_version.empty()) client.set_api_version(sc->api_version);
  return Status::Ok();
}

Status Login(SoapClient& client, const ServiceContent& sc, const Credentials& c) {
  SoapResult r;
  Status s = client.Call("<Login xmlns=\"urn:vim25\">" + This(sc.session_manager) + "<userName>" +
                             Escape(c.user) + "</userName><password>" + Escape(c.password) +
                             "</password></Login>",
                         &r);
  if (!s.ok()) return s.Prefixed("Login as " + c.user);
  return Status::Ok();
}

Status Logout(SoapClient& client, const ServiceContent& sc) {
  SoapResult r;
  Status s =
      client.Call("<Logout xmlns=\"urn:vim25\">" + This(sc.session_manager) + "</Logout>", &r);
  return s.ok() ? s : s.Prefixed("Logout");
}

Status CurrentSession(SoapClient& client, const ServiceContent& sc, bool* active,
                      std::string* user) {
  *active = false;
  user->clear();
  SoapResult r;
  Status s = client.Call(
      "<RetrievePropertiesEx xmlns=\"urn:vim25\">" + This(sc.property_collector) +
          "<specSet><propSet><type>SessionManager</type><pathSet>currentSession</pathSet></propSet>"
          "<objectSet><obj type=\"" +
          Escape(sc.session_manager.type) + "\">" + Escape(sc.session_manager.value) +
          "</obj></objectSet></specSet><options/></RetrievePropertiesEx>",
      &r);
  // Two shapes of "not logged in": a NotAuthenticated fault, or a missingSet holding one.
  if (!s.ok())
    return s.code() == Error::kNotAuthenticated ? Status::Ok() : s.Prefixed("currentSession");
  pugi::xml_node val = Child(Child(Child(Child(r.body, "returnval"), "objects"), "propSet"), "val");
  if (val) {
    *active = true;
    *user = ChildText(val, "userName");
  }
  return Status::Ok();
}

std::string StateKey(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) h = (h ^ c) * 0x100000001b3ULL;
  char name[24];
  std::snprintf(name, sizeof name, "%016llx", static_cast<unsigned long long>(h));
  return name;
}

std::string SessionFile(const std::string& state_dir, const std::string& url,
                        const std::string& user) {
  return state_dir + "/session-" + StateKey(url + "\n" + user);
}

Status EnsureSession(SoapClient& client, const ServiceContent& sc, const Credentials& c,
                     const std::string& state_file, bool* reused) {
  *reused = false;
  std::string saved;
  struct stat st;
  if (::stat(state_file.c_str(), &st) == 0) {
    if (Status s = ReadSecretLine(state_file, &saved); !s.ok()) return s;
  }
  if (!saved.empty()) {
    client.set_cookie(saved);
    bool active;
    std::string user;
    if (Status s = CurrentSession(client, sc, &active, &user); !s.ok()) return s;
    if (active) {
      *reused = true;
      return Status::Ok();
    }
    client.set_cookie("");  // a second Login on a stale cookie is refused: start clean
  }
  if (Status s = Login(client, sc, c); !s.ok()) return s;
  if (client.cookie().empty())
    return Status::Error("Login: the endpoint set no session cookie", Error::kBadReply);
  if (Status s = WriteFileWhole(state_file, client.cookie() + "\n"); !s.ok()) {
    // A session nobody can find again is a leak: vCenter refuses logins at 2,000-3,000 of them,
    // so a full disk must not turn into a vCenter outage one cron run at a time.
    Status out = Logout(client, sc);
    return s.Prefixed("cannot keep the session (" +
                      std::string(out.ok() ? "logged out" : "logout failed too") + ")");
  }
  return Status::Ok();
}

Status Connect(const SoapOptions& options, const Credentials* credentials,
               const std::string& state_dir, Connection* c, bool* reused) {
  bool ignored = false;
  if (reused == nullptr) reused = &ignored;
  *reused = false;
  if (Status s = SoapClient::Create(options, &c->client); !s.ok()) return s;
  if (Status s = RetrieveServiceContent(*c->client, &c->content); !s.ok()) return s;
  if (credentials == nullptr) return Status::Ok();
  return EnsureSession(*c->client, c->content, *credentials,
                       SessionFile(state_dir, options.url, credentials->user), reused);
}

Status EndSession(SoapClient& client, const ServiceContent& sc, const std::string& state_file) {
  Status s = Logout(client, sc);
  ::unlink(state_file.c_str());
  return s;
}

}  // namespace zabitan::vsphere
