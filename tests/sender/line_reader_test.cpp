#include "sender/src/line_reader.h"

#include <unistd.h>

#include <string>
#include <vector>

#include <catch2/catch.hpp>

using zabitan::sender::LineReader;

namespace {
std::vector<std::string> ReadAll(const std::string& input) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  // Write from a child-less helper: input is small enough for the pipe buffer.
  REQUIRE(::write(fds[1], input.data(), input.size()) == static_cast<ssize_t>(input.size()));
  ::close(fds[1]);
  LineReader reader(fds[0]);
  std::vector<std::string> lines;
  std::string_view line;
  while (reader.Next(&line) == LineReader::Result::kLine) lines.emplace_back(line);
  ::close(fds[0]);
  return lines;
}
}  // namespace

TEST_CASE("line reader: lines with and without a final newline", "[line_reader]") {
  CHECK(ReadAll("a\nb\n") == std::vector<std::string>{"a", "b"});
  CHECK(ReadAll("a\nb") == std::vector<std::string>{"a", "b"});
  CHECK(ReadAll("") == std::vector<std::string>{});
  CHECK(ReadAll("\n\n") == std::vector<std::string>{"", ""});
}

TEST_CASE("line reader: a line longer than the read chunk", "[line_reader]") {
  std::string big(60000, 'x');
  CHECK(ReadAll(big + "\nshort\n") == std::vector<std::string>{big, "short"});
}

TEST_CASE("line reader: timeout when no complete line arrives", "[line_reader]") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  REQUIRE(::write(fds[1], "partial", 7) == 7);
  LineReader reader(fds[0]);
  std::string_view line;
  CHECK(reader.Next(&line, 10) == LineReader::Result::kTimeout);
  REQUIRE(::write(fds[1], "\n", 1) == 1);
  CHECK(reader.Next(&line, 10) == LineReader::Result::kLine);
  CHECK(line == "partial");
  ::close(fds[1]);
  CHECK(reader.Next(&line, 10) == LineReader::Result::kEof);
  ::close(fds[0]);
}
