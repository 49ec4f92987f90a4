#include "import_files.h"

#include <fstream>

#include <catch2/catch.hpp>

#include "../temp_files.h"
#include "zabitan/zabbix_templates/error.h"

using namespace zabitan;
using namespace zabitan::zabbix_templates;
using nlohmann::json;

TEST_CASE("zabbix-templates/import files: the *.yaml of a folder, sorted", "[zabbix-templates]") {
  testing::TempDir dir;
  for (const char* name : {"b.yaml", "a.yaml", "notes.txt", "c.yaml.orig"})
    std::ofstream(dir.path() + "/" + name) << "x";
  std::vector<std::string> files;
  REQUIRE(ListTemplateFiles(dir.path(), &files).ok());
  CHECK(files == std::vector<std::string>{dir.path() + "/a.yaml", dir.path() + "/b.yaml"});
  testing::TempDir empty;
  Status none = ListTemplateFiles(empty.path(), &files);
  CHECK(none.code() == Errc::kNotFound);
  CHECK(none.message() == empty.path() + ": no *.yaml template files");
  // A folder that is not there is the file system's failure, with its errno.
  CHECK(ListTemplateFiles(empty.path() + "/missing", &files).code() ==
        std::errc::no_such_file_or_directory);
}

TEST_CASE("zabbix-templates/import files: media type names of a Zabbix export",
          "[zabbix-templates]") {
  const char* yaml =
      "# zabitan: the \"zabitan SSTP\" script media type\n"
      "zabbix_export:\n"
      "  version: '6.0'\n"
      "  date: '2026-11-22T00:00:00Z'\n"
      "  media_types:\n"
      "    -\n"
      "      name: 'zabitan SSTP'\n"
      "      type: SCRIPT\n"
      "      parameters:\n"
      "        - '--media-type'\n"
      "      message_templates:\n"
      "        -\n"
      "          event_source: TRIGGERS\n"
      "          name: not-a-media-type\n"
      "    -\n"
      "      name: 'it''s plain'\n"
      "    -\n"
      "      name: Plain\r\n"
      "  templates:\n"
      "    -\n"
      "      name: 'a template'\n";
  CHECK(MediaTypeNames(yaml) == std::vector<std::string>{"zabitan SSTP", "it's plain", "Plain"});
  CHECK(MediaTypeNames("zabbix_export:\n  templates:\n    -\n      name: x\n").empty());
}

TEST_CASE("zabbix-templates/import files: exports compare without comments and date",
          "[zabbix-templates]") {
  std::string file =
      "# one\n# two\nzabbix_export:\n  version: '6.0'\n  date: '2026-11-22T00:00:00Z'\n  "
      "media_types: []\n";
  std::string exported =
      "zabbix_export:\n  version: '6.0'\n  date: '2027-01-01T10:00:00Z'\n  media_types: []";
  CHECK(ComparableExport(file) == ComparableExport(exported));
  CHECK(ComparableExport(file) == "zabbix_export:\n  version: '6.0'\n  media_types: []");
  CHECK(ComparableExport(file) !=
        ComparableExport("zabbix_export:\n  version: '6.0'\n  media_types: [x]\n"));
}

TEST_CASE("zabbix-templates/import files: the rules follow the server's version",
          "[zabbix-templates]") {
  json r60 = ImportRules(6, 0);
  CHECK(r60["groups"] == json{{"createMissing", true}});
  CHECK_FALSE(r60.contains("host_groups"));
  CHECK(r60["templates"] == json{{"createMissing", true}, {"updateExisting", true}});
  CHECK(r60["items"]["deleteMissing"] == true);
  CHECK(r60["mediaTypes"]["updateExisting"] == true);
  CHECK_FALSE(r60["templates"].contains("deleteMissing"));  // never deletes templates
  for (json r : {ImportRules(6, 2), ImportRules(7, 0)}) {
    CHECK_FALSE(r.contains("groups"));
    CHECK(r["host_groups"] == json{{"createMissing", true}});
    CHECK(r["template_groups"] == json{{"createMissing", true}});
  }
}

TEST_CASE("zabbix-templates/import files: what configuration.importcompare says",
          "[zabbix-templates]") {
  std::string summary;
  CHECK(SummarizeCompare(json::array(), &summary) == Change::kUnchanged);
  CHECK(summary.empty());
  CHECK(SummarizeCompare(json::object(), &summary) == Change::kUnchanged);
  json added =
      json::parse(R"({"groups": {"added": [{}, {}]}, "templates": {"added": [{}, {}, {}]}})");
  CHECK(SummarizeCompare(added, &summary) == Change::kCreated);
  CHECK(summary == "groups: 2 added; templates: 3 added");
  json updated = json::parse(
      R"({"templates": {"updated": [{"before": {}, "after": {}, "items": {"removed": [{}]}}]}})");
  CHECK(SummarizeCompare(updated, &summary) == Change::kUpdated);
  CHECK(summary == "templates: 1 updated");
  json both = json::parse(R"({"groups": {"added": [{}]}, "templates": {"removed": [{}]}})");
  CHECK(SummarizeCompare(both, &summary) == Change::kUpdated);
  CHECK(summary == "groups: 1 added; templates: 1 removed");
}

TEST_CASE("zabbix-templates/import files: media types before and after an import",
          "[zabbix-templates]") {
  json sstp = {{"mediatypeid", "36"}, {"name", "zabitan SSTP"}, {"maxattempts", "3"}};
  std::string summary;
  CHECK(CompareMediaTypes(json::array({sstp}), json::array({sstp}), &summary) ==
        Change::kUnchanged);
  CHECK(summary.empty());
  CHECK(CompareMediaTypes(json::array(), json::array({sstp}), &summary) == Change::kCreated);
  CHECK(summary == "media type \"zabitan SSTP\" created");
  json changed = sstp;
  changed["maxattempts"] = "5";
  CHECK(CompareMediaTypes(json::array({changed}), json::array({sstp}), &summary) ==
        Change::kUpdated);
  CHECK(summary == "media type \"zabitan SSTP\" updated");
}

TEST_CASE("zabbix-templates/import files: 7.0 reading a 6.0 file is not a change",
          "[zabbix-templates]") {
  // What 7.0.22's importcompare says for zabitan_vmware.yaml on every run: the converter writes
  // the LLD rule's lifetime "7d", the server's side omits it as its default.
  const char* text = R"({"templates": {"updated": [{"before": {"name": "t"}, "after": {"name": "t"},
      "discovery_rules": {"updated": [{"before": {"key": "d"}, "after": {"key": "d", "lifetime": "7d"}}]}}]}})";
  json compare = json::parse(text);
  PruneServerDefaults(&compare, 6);
  CHECK(compare == json::parse(text));  // 6.0: nothing taken out
  PruneServerDefaults(&compare, 7);
  std::string summary;
  CHECK(SummarizeCompare(compare, &summary) == Change::kUnchanged);
  CHECK(summary.empty());
  // A lifetime changed by hand (the server's side holds it), another field, or a rule removed
  // inside the template stays a change.
  for (
      const char* changed : {
          R"({"templates": {"updated": [{"before": {}, "after": {}, "discovery_rules": {"updated": [
                {"before": {"key": "d", "lifetime": "30d"}, "after": {"key": "d", "lifetime": "7d"}}]}}]}})",
          R"({"templates": {"updated": [{"before": {}, "after": {}, "discovery_rules": {"updated": [
                {"before": {"key": "d"}, "after": {"key": "d", "lifetime": "30d"}}]}}]}})",
          R"({"templates": {"updated": [{"before": {"name": "a"}, "after": {"name": "b"}}]}})",
          R"({"templates": {"updated": [{"before": {}, "after": {}, "items": {"removed": [{}]}}]}})"}) {
    json c = json::parse(changed);
    PruneServerDefaults(&c, 7);
    CHECK(SummarizeCompare(c, &summary) == Change::kUpdated);
    CHECK(summary == "templates: 1 updated");
  }
}

TEST_CASE("zabbix-templates/import files: a 7.0 media type export in the files' 6.0 layout",
          "[zabbix-templates]") {
  // Excerpts of zabitan_sstp_media.yaml and of 7.0.22's export of what it imported.
  std::string file =
      "zabbix_export:\n  version: '6.0'\n  media_types:\n    -\n      name: 'zabitan SSTP'\n"
      "      type: SCRIPT\n      parameters:\n        - '--media-type'\n        - "
      "'{ALERT.SENDTO}'\n"
      "      message_templates:\n        -\n          event_source: TRIGGERS\n          "
      "operation_mode: PROBLEM\n";
  std::string exported =
      "zabbix_export:\n  version: '7.0'\n  media_types:\n    - name: 'zabitan SSTP'\n      type: "
      "SCRIPT\n"
      "      parameters:\n        - sortorder: '0'\n          value: '--media-type'\n        - "
      "sortorder: '1'\n"
      "          value: '{ALERT.SENDTO}'\n      message_templates:\n        - event_source: "
      "TRIGGERS\n"
      "          operation_mode: PROBLEM\n\n";
  CHECK(ComparableExport(MediaExport70As60(exported)) == ComparableExport(file));
  CHECK(ComparableExport(MediaExport70As60(file)) ==
        ComparableExport(file));  // 6.0 text: as it was
  std::string changed = exported;
  changed.replace(changed.find("'{ALERT.SENDTO}'"), 16, "'{ALERT.SUBJECT}'");
  CHECK(ComparableExport(MediaExport70As60(changed)) != ComparableExport(file));
}
