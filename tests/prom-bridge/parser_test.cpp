#include "zabitan/prom_bridge/parser.h"

#include <string>

#include <catch2/catch.hpp>

#include "zabitan/prom_bridge/exposition.h"

using namespace zabitan::prom_bridge;

namespace {

ParseResult Parse(std::string_view text, Format format, std::vector<OwnedFamily>* out = nullptr,
                  ParseLimits limits = {}) {
  std::vector<OwnedFamily> scratch;
  return ParseText(text, format, limits, out ? out : &scratch);
}

// Counts samples and families, and remembers the last sample's name and label values.
struct CountingSink : Sink {
  void OnSample(const Family&, const Sample& s) override {
    ++samples;
    last = std::string(s.name);
    for (const Label& l : s.labels) last += " " + std::string(l.name) + "=" + l.Value();
  }
  void OnFamilyEnd(const Family&) override { ++families; }
  int samples = 0, families = 0;
  std::string last;
};

}  // namespace

TEST_CASE("prom parser: the 0.0.4 example of the exposition format documentation", "[prom]") {
  std::string text =
      "# HELP http_requests_total The total number of HTTP requests.\n"
      "# TYPE http_requests_total counter\n"
      "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
      "http_requests_total{method=\"post\",code=\"400\"}    3 1395066363000\n"
      "\n"
      "# Escaping in label values:\n"
      "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find "
      "file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\n"
      "metric_without_timestamp_and_labels 12.47\n"
      "something_weird{problem=\"division by zero\"} +Inf -3982045\n"
      "# TYPE http_request_duration_seconds histogram\n"
      "http_request_duration_seconds_bucket{le=\"0.05\"} 24054\n"
      "http_request_duration_seconds_bucket{le=\"+Inf\"} 144320\n"
      "http_request_duration_seconds_sum 53423\n"
      "http_request_duration_seconds_count 144320\n"
      "# TYPE rpc_duration_seconds summary\n"
      "rpc_duration_seconds{quantile=\"0.5\"} 4773\n"
      "rpc_duration_seconds_sum 1.7560473e+07\n"
      "rpc_duration_seconds_count 2693\n";
  std::vector<OwnedFamily> doc;
  ParseResult r = Parse(text, Format::kText004, &doc);
  REQUIRE(r.ok());
  REQUIRE(doc.size() == 6);
  CHECK(doc[0].help == "The total number of HTTP requests.");
  CHECK(doc[0].type == MetricType::kCounter);
  CHECK(doc[0].samples.size() == 2);
  CHECK(doc[0].samples[1].timestamp == Timestamp{1395066363, 0});
  CHECK(doc[1].samples[0].labels[0].second == "C:\\DIR\\FILE.TXT");
  CHECK(doc[1].samples[0].labels[1].second == "Cannot find file:\n\"FILE.TXT\"");
  CHECK(doc[3].samples[0].timestamp == Timestamp{-3983, 955000000});
  CHECK(doc[4].type == MetricType::kHistogram);
  CHECK(doc[4].samples.size() == 4);
  CHECK(doc[5].samples.size() == 3);
  // The canonical form: metadata TYPE first, one space, shortest numbers, no comments.
  std::string printed = Print(doc, Format::kText004);
  CHECK(printed.starts_with(
      "# TYPE http_requests_total counter\n# HELP http_requests_total The total"));
  CHECK(printed.find("http_requests_total{method=\"post\",code=\"400\"} 3 1395066363000\n") !=
        std::string::npos);
  CHECK(printed.find("\"} 1458255915\n") != std::string::npos);
  CHECK(printed.find("rpc_duration_seconds_sum 17560473\n") != std::string::npos);
  CHECK(printed.find("Escaping") == std::string::npos);
  std::vector<OwnedFamily> again;
  REQUIRE(Parse(printed, Format::kText004, &again).ok());
  CHECK(SameFamilies(doc, again));
}

TEST_CASE("prom parser: OpenMetrics with every type, units, exemplars and # EOF", "[prom]") {
  std::string text =
      "# TYPE acme_http_router_request_seconds summary\n"
      "# UNIT acme_http_router_request_seconds seconds\n"
      "# HELP acme_http_router_request_seconds Latency though all of ACME's HTTP request router.\n"
      "acme_http_router_request_seconds_sum{path=\"/api/v1\",method=\"GET\"} 9036.32\n"
      "acme_http_router_request_seconds_count{path=\"/api/v1\",method=\"GET\"} 807283.0\n"
      "acme_http_router_request_seconds_created{path=\"/api/v1\",method=\"GET\"} 1605281325.0\n"
      "# TYPE go_goroutines gauge\n"
      "go_goroutines 69\n"
      "# TYPE process_cpu_seconds counter\n"
      "# UNIT process_cpu_seconds seconds\n"
      "process_cpu_seconds_total 4.20072246e+06 # {trace_id=\"KOO5S4vxi0o\"} 0.67 1605281325.0\n"
      "# TYPE foo histogram\n"
      "foo_bucket{le=\"0.01\"} 0\n"
      "foo_bucket{le=\"+Inf\"} 17 # {trace_id=\"oHg5SJYRHA0\"} 9.8 1520879607.789\n"
      "foo_count 17\n"
      "foo_sum 324789.3\n"
      "foo_created 1520430000.123\n"
      "# TYPE queue gaugehistogram\n"
      "queue_bucket{le=\"+Inf\"} 3\n"
      "queue_gcount 3\n"
      "queue_gsum 12\n"
      "# TYPE build info\n"
      "build_info{version=\"1.2\"} 1\n"
      "# TYPE state stateset\n"
      "state{state=\"a\"} 1\n"
      "state{state=\"b\"} 0\n"
      "# TYPE raw unknown\n"
      "raw NaN 17.5\n"
      "# EOF\n";
  std::vector<OwnedFamily> doc;
  ParseResult r = Parse(text, Format::kOpenMetrics, &doc);
  INFO(r.message);
  REQUIRE(r.ok());
  REQUIRE(doc.size() == 8);
  CHECK(doc[0].unit == "seconds");
  CHECK(doc[0].samples.size() == 3);
  CHECK(doc[2].samples[0].exemplar->labels[0].second == "KOO5S4vxi0o");
  CHECK(doc[3].samples[1].exemplar->timestamp == Timestamp{1520879607, 789000000});
  CHECK(doc[4].type == MetricType::kGaugeHistogram);
  CHECK(doc[5].type == MetricType::kInfo);
  CHECK(doc[6].type == MetricType::kStateSet);
  CHECK(doc[7].samples[0].timestamp == Timestamp{17, 500000000});
  std::vector<OwnedFamily> again;
  REQUIRE(Parse(Print(doc, Format::kOpenMetrics), Format::kOpenMetrics, &again).ok());
  CHECK(SameFamilies(doc, again));
}

TEST_CASE("prom parser: chunks cut anywhere give the same samples", "[prom]") {
  std::string text = "# TYPE a counter\na{x=\"1\"} 1\na{x=\"2\"} 2\nb 3\n";
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    CountingSink sink;
    Parser parser(Format::kText004, {}, &sink);
    parser.Feed(text.substr(0, cut));
    parser.Feed(text.substr(cut));
    REQUIRE(parser.Finish().ok());
    CHECK(sink.samples == 3);
    CHECK(sink.families == 2);
    CHECK(sink.last == "b");
  }
}

TEST_CASE("prom parser: each breach is one line with its code", "[prom]") {
  struct Case {
    Format format;
    std::string text;
    ParseCode code;
    uint64_t line;
  };
  const Format T = Format::kText004, O = Format::kOpenMetrics;
  std::vector<Case> cases = {
      {T, "a 1\na{x=\"1\" 2\n", ParseCode::kSyntax, 2},
      {T, "a{1x=\"1\"} 2\n", ParseCode::kBadLabelName, 1},
      {T, "a{x=\"\\t\"} 2\n", ParseCode::kBadEscape, 1},
      {T, "a one\n", ParseCode::kBadValue, 1},
      {T, "a 1 1.5\n", ParseCode::kBadTimestamp, 1},
      {T, "a{x=\"\xff\"} 1\n", ParseCode::kInvalidUtf8, 1},
      {T, "# TYPE a countr\n", ParseCode::kBadType, 1},
      {T, "# TYPE a stateset\n", ParseCode::kBadType, 1},
      {T, "# TYPE a gauge\n# TYPE a gauge\n", ParseCode::kDuplicateMetadata, 2},
      {T, "a 1\n# TYPE a gauge\n", ParseCode::kMetadataAfterSamples, 2},
      {T, "a 1\nb 1\na 2\n", ParseCode::kFamilyNotContiguous, 3},
      {T, "a{x=\"1\",y=\"2\"} 1\na{y=\"2\",x=\"1\"} 1\n", ParseCode::kDuplicateSeries, 2},
      {T, "a{x=\"1\",x=\"2\"} 1\n", ParseCode::kDuplicateLabel, 1},
      {T, "# TYPE h histogram\nh_bucket 1\n", ParseCode::kMissingLabel, 2},
      {T, "# TYPE h histogram\nh_bucket{le=\"x\"} 1\n", ParseCode::kBadValue, 2},
      {T, "# TYPE s summary\ns 1\n", ParseCode::kMissingLabel, 2},
      {O, "# TYPE c counter\nc 1\n# EOF\n", ParseCode::kWrongType, 2},
      {O, "a 1\n", ParseCode::kMissingEof, 2},
      {O, "", ParseCode::kMissingEof, 1},
      {O, "a 1\n# EOF\n\n", ParseCode::kAfterEof, 3},
      {O, "a 1\n\n# EOF\n", ParseCode::kSyntax, 2},
      {O, "# a comment\n# EOF\n", ParseCode::kSyntax, 1},
      {O, "a  1\n# EOF\n", ParseCode::kBadValue, 1},
      {O, "a 1 \n# EOF\n", ParseCode::kSyntax, 1},
      {O, "a{x=\"1\",} 1\n# EOF\n", ParseCode::kBadLabelName, 1},
      {O, "# TYPE g gauge\ng 1 # {a=\"b\"} 1\n# EOF\n", ParseCode::kBadExemplar, 2},
      {O, "# TYPE c counter\nc_total 1 # {a=\"" + std::string(130, 'x') + "\"} 1\n# EOF\n",
       ParseCode::kBadExemplar, 2},
      {O, "# UNIT a_bytes seconds\n# EOF\n", ParseCode::kBadUnit, 1},
      {O, "# HELP a x\\ty\n# EOF\n", ParseCode::kBadEscape, 1},
      {O, "# TYPE s stateset\ns{x=\"a\"} 1\n# EOF\n", ParseCode::kMissingLabel, 2},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    ParseResult r = Parse(c.text, c.format);
    CHECK(r.code == c.code);
    CHECK(r.line == c.line);
    CHECK(r.message.find('\n') == std::string::npos);
    CHECK(r.message.starts_with("line " + std::to_string(c.line) + ": "));
  }
}

TEST_CASE("prom parser: bounds", "[prom]") {
  ParseLimits limits;
  limits.max_line_bytes = 100;
  limits.max_series = 3;
  limits.max_labels = 2;
  limits.max_label_bytes = 10;
  auto code = [&](const std::string& text) {
    return Parse(text, Format::kText004, nullptr, limits).code;
  };
  CHECK(code("a " + std::string(97, '1') + "\n") == ParseCode::kOk);
  CHECK(code("a " + std::string(99, '1') + "\n") == ParseCode::kLineTooLong);
  CHECK(code(std::string(1000, 'a')) == ParseCode::kLineTooLong);  // no newline at all
  CHECK(code("a{x=\"1\"} 1\na{x=\"2\"} 1\na{x=\"3\"} 1\n") == ParseCode::kOk);
  CHECK(code("a{x=\"1\"} 1\na{x=\"2\"} 1\na{x=\"3\"} 1\na{x=\"4\"} 1\n") ==
        ParseCode::kTooManySeries);
  CHECK(code("# HELP a x\n# HELP b x\n# HELP c x\n# HELP d x\n") == ParseCode::kTooManySeries);
  CHECK(code("a{x=\"1\",y=\"1\",z=\"1\"} 1\n") == ParseCode::kTooManyLabels);
  CHECK(code("a{x=\"12345678901\"} 1\n") == ParseCode::kLabelTooLong);
  CHECK(code("a{abcdefghijk=\"1\"} 1\n") == ParseCode::kLabelTooLong);
  // An endless line is refused as soon as the bound is passed, whatever the chunks.
  CountingSink sink;
  Parser parser(Format::kText004, limits, &sink);
  for (int i = 0; i < 20 && parser.Feed(std::string(10, 'x')).ok(); ++i) {
  }
  CHECK(parser.Feed("x").code == ParseCode::kLineTooLong);
  CHECK(parser.Finish().code == ParseCode::kLineTooLong);
}

TEST_CASE("prom parser: 0.0.4 leniencies", "[prom]") {
  std::vector<OwnedFamily> doc;
  REQUIRE(Parse("  a { x = \"1\" , } \t 1 \t 5 \n# any comment\n#TYPE b gauge \n", Format::kText004,
                &doc)
              .ok());
  REQUIRE(doc.size() == 2);
  CHECK(doc[1].type == MetricType::kGauge);
  CHECK(doc[0].samples[0].labels == OwnedLabels{{"x", "1"}});
  CHECK(doc[0].samples[0].timestamp == Timestamp{0, 5000000});
  CHECK(Parse("a 1\r\n", Format::kText004).code == ParseCode::kBadValue);
  CHECK(Parse("# HELP a x\\ty\\\\\n", Format::kText004, &doc).ok());
}
