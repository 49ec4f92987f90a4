// Provisioner: the run, the helpers every step uses, and step 1 (the template files). Steps
// 2-5 are in provision_steps.cpp.
#include "zabitan/zabbix_templates/provision.h"

#include <cassert>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "import_files.h"
#include "wanted.h"
#include "zabitan/common/printable.h"
#include "zabitan/zabbix_templates/error.h"

namespace zabitan::zabbix_templates {
namespace {

constexpr std::uintmax_t kMaxTemplateFile = 16u << 20;

Status ReadFile(const std::string& path, std::string* text) {
  std::error_code ec;
  std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) return Status::Error(path + ": " + ec.message(), ec);
  if (size > kMaxTemplateFile)
    return Status::Error(path + ": larger than 16 MiB", Errc::kTemplateFile);
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  if (!in) return Status::Error(path + ": cannot read", Errc::kTemplateFile);
  *text = out.str();
  return Status::Ok();
}

Change Worse(Change a, Change b) {
  if (a == Change::kUpdated || b == Change::kUpdated) return Change::kUpdated;
  if (a == Change::kCreated || b == Change::kCreated) return Change::kCreated;
  return Change::kUnchanged;
}

std::string Join(const std::string& a, const std::string& b) {
  return a.empty() ? b : b.empty() ? a : a + "; " + b;
}

}  // namespace

std::string FormatOutcome(const Outcome& outcome, bool dry_run) {
  std::string line = outcome.object + ": " + ChangeWord(outcome.change, dry_run);
  if (!outcome.detail.empty()) line += " (" + outcome.detail + ")";
  return line;
}

Provisioner::Provisioner(zabbix_api::ApiClient* api, ProvisionOptions options, Report report)
    : api_(api), options_(std::move(options)), report_(std::move(report)) {
  assert(api_ != nullptr && report_);
}

Status Provisioner::Run() {
  if (Status s = CheckRemoteCmdPath(options_.remote_cmd); !s.ok()) return s;
  if (options_.endpoint_host.empty())
    return Status::Error("--endpoint-host: empty", Errc::kBadOption);
  std::string version;
  if (Status s = api_->Version(&version); !s.ok()) return s;
  if (Status s = zabbix_api::ParseVersion(version, &major_, &minor_); !s.ok()) return s;
  if (major_ < 6) {
    return Status::Error(
        "the API is Zabbix " + Printable(version, 20) + "; zabitan-provision needs 6.0 or later",
        Errc::kUnsupportedVersion);
  }
  struct Step {
    const char* what;
    Status (Provisioner::*run)();
  };
  for (const Step& step : {Step{"importing the templates", &Provisioner::Templates},
                           Step{"setting up the endpoint host", &Provisioner::EndpointHost},
                           Step{"setting up the scripts", &Provisioner::Scripts},
                           Step{"setting up the user media", &Provisioner::UserMedia},
                           Step{"setting up the action", &Provisioner::Action}}) {
    if (Status s = (this->*step.run)(); !s.ok()) return s.Prefixed(step.what);
  }
  return Status::Ok();
}

Status Provisioner::Rows(std::string_view method, const nlohmann::json& params,
                         nlohmann::json* rows) {
  if (Status s = api_->Call(method, params, rows); !s.ok()) return s;
  if (!rows->is_array())
    return Status::Error(std::string(method) + ": the result is not a list",
                         Errc::kUnexpectedResult);
  return Status::Ok();
}

Status Provisioner::Write(std::string_view method, const nlohmann::json& params,
                          nlohmann::json* result) {
  if (options_.dry_run) return Status::Ok();
  return api_->Call(method, params, result);
}

Status Provisioner::IdByName(std::string_view method, std::string_view field,
                             const std::string& name, std::string_view id_field, std::string* id) {
  nlohmann::json rows;
  nlohmann::json params = {{"output", {id_field}}, {"filter", {{field, {name}}}}};
  if (Status s = Rows(method, params, &rows); !s.ok()) return s;
  if (rows.size() > 1) {
    return Status::Error(std::string(method) + ": " + std::to_string(rows.size()) +
                             " objects are named \"" + name + "\"; keep one",
                         Errc::kAmbiguous);
  }
  id->clear();
  if (rows.size() == 1 && rows[0].contains(id_field) && rows[0][id_field].is_string()) {
    *id = rows[0][id_field].get<std::string>();
  }
  return Status::Ok();
}

std::string Provisioner::NewId(const nlohmann::json& result, const char* ids_field,
                               const std::string& name) const {
  if (options_.dry_run) return "(new " + name + ")";
  auto it = result.find(ids_field);
  if (it == result.end() || !it->is_array() || it->empty() || !(*it)[0].is_string()) return "";
  return (*it)[0].get<std::string>();
}

// ---- step 1: the template files ------------------------------------------------------------

Status Provisioner::Templates() {
  std::vector<std::string> files;
  if (Status s = ListTemplateFiles(options_.templates_dir, &files); !s.ok()) {
    return Status::Error(s.message() + " (give the folder of zabitan's templates with --templates)",
                         s.code());
  }
  for (const std::string& path : files) {
    if (Status s = ImportFile(path); !s.ok()) {
      return s.Prefixed(std::filesystem::path(path).filename().string());
    }
  }
  // What the next steps refer to.
  for (const char* name : {kEndpointTemplate, kRemoteCmdTemplate, kVmTemplate}) {
    std::string id;
    if (Status s = IdByName("template.get", "host", name, "templateid", &id); !s.ok()) return s;
    if (id.empty() && !options_.dry_run) {
      return Status::Error(std::string("template \"") + name +
                               "\" does not exist after the import: is " + options_.templates_dir +
                               " zabitan's zabbix-templates folder?",
                           Errc::kNotFound);
    }
    template_ids_[name] = id.empty() ? "(new " + std::string(name) + ")" : id;
  }
  if (Status s = IdByName("mediatype.get", "name", kMediaType, "mediatypeid", &media_type_id_);
      !s.ok())
    return s;
  if (media_type_id_.empty()) {
    if (!options_.dry_run && !options_.notify_user.empty()) {
      return Status::Error(
          std::string("media type \"") + kMediaType + "\" does not exist after the import",
          Errc::kNotFound);
    }
    media_type_id_ = std::string("(new ") + kMediaType + ")";
  }
  return Status::Ok();
}

Status Provisioner::ImportFile(const std::string& path) {
  std::string source;
  if (Status s = ReadFile(path, &source); !s.ok()) return s;
  const nlohmann::json rules = ImportRules(major_, minor_);
  const nlohmann::json import = {{"format", "yaml"}, {"source", source}, {"rules", rules}};
  Outcome out("template file " + std::filesystem::path(path).filename().string());

  // Templates, groups and what they hold: configuration.importcompare tells beforehand.
  nlohmann::json compare;
  if (Status s = api_->Call("configuration.importcompare", import, &compare); !s.ok()) return s;
  PruneServerDefaults(&compare, major_);
  out.change = SummarizeCompare(compare, &out.detail);

  // Media types: 6.0's importcompare leaves them out.
  const std::vector<std::string> media = MediaTypeNames(source);
  const nlohmann::json media_get = {
      {"output", "extend"}, {"selectMessageTemplates", "extend"}, {"filter", {{"name", media}}}};
  nlohmann::json before;
  if (!media.empty()) {
    if (Status s = Rows("mediatype.get", media_get, &before); !s.ok()) return s;
  }
  if (options_.dry_run) {
    if (!media.empty()) {
      // Missing ones would be created; present ones are compared with the server's export,
      // which is what the files are (a file of another shape shows as "would be updated").
      Change c = Change::kUnchanged;
      std::string detail;
      if (before.size() < media.size()) {
        c = Change::kCreated;
        detail = std::to_string(media.size() - before.size()) + " media type(s) to create";
      } else {
        nlohmann::json ids = nlohmann::json::array(), exported;
        for (const auto& m : before) ids.push_back(m["mediatypeid"]);
        nlohmann::json params = {{"format", "yaml"}, {"options", {{"mediaTypes", ids}}}};
        if (Status s = api_->Call("configuration.export", params, &exported); !s.ok()) return s;
        std::string server = exported.is_string() ? exported.get<std::string>() : std::string();
        if (major_ >= 7) server = MediaExport70As60(server);
        if (!exported.is_string() || ComparableExport(server) != ComparableExport(source)) {
          c = Change::kUpdated;
          detail = "media types differ from the server's export";
        }
      }
      out.change = Worse(out.change, c);
      out.detail = Join(out.detail, detail);
    }
    report_(out);
    return Status::Ok();
  }
  if (media.empty() && out.change == Change::kUnchanged) {
    report_(out);  // nothing to import
    return Status::Ok();
  }
  nlohmann::json result;
  if (Status s = api_->Call("configuration.import", import, &result); !s.ok()) return s;
  if (result != true)
    return Status::Error("configuration.import: returned " + Printable(result.dump(), 100),
                         Errc::kUnexpectedResult);
  if (!media.empty()) {
    nlohmann::json after;
    if (Status s = Rows("mediatype.get", media_get, &after); !s.ok()) return s;
    std::string detail;
    out.change = Worse(out.change, CompareMediaTypes(before, after, &detail));
    out.detail = Join(out.detail, detail);
  }
  report_(out);
  return Status::Ok();
}

}  // namespace zabitan::zabbix_templates
