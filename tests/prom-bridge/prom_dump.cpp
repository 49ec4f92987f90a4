// prom_dump — the prom-bridge parser on a file, for tests that compare it with another parser
// (reference_test.py: prometheus_client) or read its canonical form.
//
//   prom_dump text|openmetrics [--canonical] [FILE]     (FILE absent: standard input)
//
// Prints one JSON object per family ({"name","type","typed","help","unit","samples":
// [[name, {labels}, "value", "timestamp"|null], ...]}), or with --canonical the canonical text.
// A parse error: "prom_dump: FILE: line N: reason (code)" on stderr, exit status 1.
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "zabitan/common/exit_codes.h"
#include "zabitan/prom_bridge/exposition.h"
#include "zabitan/prom_bridge/numbers.h"

using namespace zabitan::prom_bridge;

static int Dump(int argc, char** argv) {
  std::string format_word = argc > 1 ? argv[1] : "";
  bool canonical = false;
  std::string path;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--canonical") {
      canonical = true;
    } else {
      path = a;
    }
  }
  if (format_word != "text" && format_word != "openmetrics") {
    std::cerr << "usage: prom_dump text|openmetrics [--canonical] [FILE]\n";
    return 2;
  }
  Format format = format_word == "text" ? Format::kText004 : Format::kOpenMetrics;
  std::stringstream body;
  if (path.empty()) {
    body << std::cin.rdbuf();
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::cerr << "prom_dump: " << path << ": cannot open\n";
      return 1;
    }
    body << in.rdbuf();
  }
  std::vector<OwnedFamily> families;
  ParseResult r = ParseText(body.str(), format, {}, &families);
  if (!r.ok()) {
    std::cerr << "prom_dump: " << (path.empty() ? "<stdin>" : path) << ": " << r.message << " ("
              << CodeName(r.code) << ")\n";
    return 1;
  }
  if (canonical) {
    std::cout << Print(families, format);
    return 0;
  }
  for (const OwnedFamily& f : families) {
    nlohmann::json samples = nlohmann::json::array();
    for (const OwnedSample& s : f.samples) {
      nlohmann::json labels = nlohmann::json::object();
      for (const auto& [name, value] : s.labels) labels[name] = value;
      nlohmann::json ts = nullptr;
      if (s.timestamp) ts = FormatSeconds(*s.timestamp);
      samples.push_back({s.name, labels, FormatValue(s.value), ts});
    }
    nlohmann::json j = {{"name", f.name},
                        {"type", TypeWord(f.type, Format::kOpenMetrics)},
                        {"typed", f.typed},
                        {"help", f.help ? nlohmann::json(*f.help) : nlohmann::json()},
                        {"unit", f.unit ? nlohmann::json(*f.unit) : nlohmann::json()},
                        {"samples", samples}};
    std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  }
  return 0;
}

int main(int argc, char** argv) {
  return zabitan::GuardedMain("prom_dump", [&] { return Dump(argc, argv); });
}
