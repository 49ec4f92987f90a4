// prom_parse_bench — parse throughput of prom-bridge's parser on one core, and peak RSS.
//
//   prom_parse_bench [--series N] [--whole] [--openmetrics]
//
// Builds an exposition of N series (default 1,000,000) shaped like node_exporter's (a family of
// 1,000 series per name, 3 labels, a float value) and parses it: streamed in 64 KiB chunks
// generated on the fly (what a scrape does: the body is never held whole), or with --whole
// from one string in memory. Prints one line: series, bytes, seconds, series/s, MB/s and peak
// RSS (getrusage: this process's high-water mark). Throughput is per CPU second of the parsing
// thread (the wall time is printed too). Asserts nothing about speed.
#include <sys/resource.h>
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "zabitan/prom_bridge/parser.h"

using namespace zabitan::prom_bridge;

namespace {

struct CountingSink : Sink {
  void OnSample(const Family&, const Sample& s) override {
    ++samples;
    sum += s.value;
  }
  uint64_t samples = 0;
  double sum = 0;
};

// Appends series i (and its family's metadata when i starts a family).
void AppendSeries(uint64_t i, std::string* out) {
  uint64_t family = i / 1000;
  std::string name = "node_bench_metric_" + std::to_string(family) + "_bytes";
  if (i % 1000 == 0) {
    *out +=
        "# HELP " + name + " A benchmark gauge, like node_exporter's.\n# TYPE " + name + " gauge\n";
  }
  *out += name + "{device=\"sd" + std::to_string(i % 1000) + "\",mountpoint=\"/srv/data/" +
          std::to_string(i % 97) + "\",fstype=\"ext4\"} " + std::to_string(i * 4096.5) + "e-3\n";
}

// CPU time of this thread: on a shared machine the wall clock also counts other processes' turns.
double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t series = 1'000'000;
  bool whole = false;
  Format format = Format::kText004;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--series" && i + 1 < argc) {
      series = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--whole") {
      whole = true;
    } else if (a == "--openmetrics") {
      format = Format::kOpenMetrics;
    } else {
      std::fprintf(stderr, "usage: prom_parse_bench [--series N] [--whole] [--openmetrics]\n");
      return 2;
    }
  }
  ParseLimits limits;
  limits.max_series = series + 1;
  CountingSink sink;
  Parser parser(format, limits, &sink);
  uint64_t bytes = 0;
  double seconds = 0, cpu_seconds = 0;
  auto timed = [&](std::string_view chunk) {
    double c0 = ThreadCpuSeconds();
    auto t0 = std::chrono::steady_clock::now();
    parser.Feed(chunk);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    cpu_seconds += ThreadCpuSeconds() - c0;
    bytes += chunk.size();
  };
  std::string text;
  if (whole) {
    for (uint64_t i = 0; i < series; ++i) AppendSeries(i, &text);
    timed(text);
  } else {
    for (uint64_t i = 0; i < series;) {
      text.clear();
      while (i < series && text.size() < size_t{64} * 1024) AppendSeries(i++, &text);
      timed(text);
    }
  }
  if (format == Format::kOpenMetrics) timed("# EOF\n");
  const ParseResult& r = parser.Finish();
  if (!r.ok() || sink.samples != series) {
    std::fprintf(stderr, "prom_parse_bench: %s (%llu samples)\n", r.message.c_str(),
                 static_cast<unsigned long long>(sink.samples));
    return 1;
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf(
      "%s %s: %llu series, %.1f MB; parsing %.3f s CPU (%.3f s wall): %.2f M series/s, %.0f MB/s "
      "per CPU second; peak RSS %.1f MiB\n",
      format == Format::kText004 ? "text-0.0.4" : "openmetrics", whole ? "whole" : "streamed",
      static_cast<unsigned long long>(series), bytes / 1e6, cpu_seconds, seconds,
      series / cpu_seconds / 1e6, bytes / cpu_seconds / 1e6, usage.ru_maxrss / 1024.0);
  return 0;
}
