// zabitan — the template files zabitan-provision imports, and how to tell what an import changed.
//
// zabbix-templates/*.yaml are Zabbix 6.0 exports (a few # comment lines on top). They go to the
// server with configuration.import; whether that changes anything is known beforehand for
// templates (configuration.importcompare) and afterwards for media types (6.0's importcompare
// does not cover them: mediatype.get before and after). Pure functions but ListTemplateFiles.
//
//   std::vector<std::string> files;
//   zabitan::Status s =
//   zabitan::zabbix_templates::ListTemplateFiles("/usr/share/zabitan/templates", &files);
//   std::string summary;
//   zabitan::zabbix_templates::Change c =
//   zabitan::zabbix_templates::SummarizeCompare(compare_result, &summary);
#ifndef ZABITAN_ZABBIX_TEMPLATES_SRC_IMPORT_FILES_H_
#define ZABITAN_ZABBIX_TEMPLATES_SRC_IMPORT_FILES_H_

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "wanted.h"
#include "zabitan/common/status.h"

namespace zabitan::zabbix_templates {

// The paths of the *.yaml files in `dir`, sorted by name. An error when `dir` cannot be read
// or holds none.
Status ListTemplateFiles(const std::string& dir, std::vector<std::string>* files);

// The names of the media types a Zabbix YAML export defines (its "media_types:" list), in file
// order. Reads Zabbix's own export layout (two-space indents, '' inside '…'), which the files
// keep (tests/zabbix-templates/import_test.py checks the round trip).
std::vector<std::string> MediaTypeNames(std::string_view yaml);

// An export with its leading # lines and its "date:" line taken out, and no trailing blank
// lines: two exports of the same objects compare equal.
std::string ComparableExport(std::string_view yaml);

// A 7.0 export of media types in the layout of the 6.0 files: version '6.0', a list item's first
// key on a line below its "-", script parameters as "- value" (7.0: "- sortorder: 'N'" and
// "value: …"). 7.0's importcompare leaves media types out, so the dry run compares the server's
// export with the file; this makes the two comparable (ComparableExport after it).
std::string MediaExport70As60(std::string_view yaml);

// configuration.import (and importcompare) rules for a server of version major.minor:
// create missing and update existing objects of every kind, and delete inside templates what
// the file no longer has (items, triggers, discovery rules, graphs, web scenarios, value maps,
// dashboards), as tests/zabbix-templates/import_test.py does. 6.2 split "groups" into host and
// template groups.
nlohmann::json ImportRules(int major, int minor);

// Reads configuration.importcompare's result ({} or [] when the import would change nothing):
// kCreated when it only adds, kUpdated when it updates or removes anything. *summary lists the
// top-level kinds, e.g. "groups: 2 added; templates: 3 added" ("" when unchanged).
Change SummarizeCompare(const nlohmann::json& compare, std::string* summary);

// Takes out of a 7.0 importcompare result the "updates" that are only 7.0 reading a 6.0 file:
// its converter writes values out that the server's side omits as its defaults (an LLD rule's
// lifetime "7d"), so every run would report the templates "updated". An entry whose before and
// after differ only by such a value, and whose own objects have no other change, is dropped.
// Nothing changes for a server before 7.0.
void PruneServerDefaults(nlohmann::json* compare, int major);

// Compares mediatype.get rows (output extend, selectMessageTemplates extend) from before and
// after an import: kCreated when one is new, kUpdated when one changed. *summary names them,
// e.g. "media type \"zabitan SSTP\" created".
Change CompareMediaTypes(const nlohmann::json& before, const nlohmann::json& after,
                         std::string* summary);

}  // namespace zabitan::zabbix_templates

#endif  // ZABITAN_ZABBIX_TEMPLATES_SRC_IMPORT_FILES_H_
