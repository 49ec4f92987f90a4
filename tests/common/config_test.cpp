#include "zabitan/common/config.h"

#include <catch2/catch.hpp>

using namespace zabitan;

TEST_CASE("config: typed keys of a section", "[config]") {
  Config c;
  REQUIRE(Config::Parse("[sender]\nzabbix_server = \"zbx\"\ntimeout = 30\ncompress = true\n",
                        "z.toml", &c)
              .ok());
  ConfigSection s;
  REQUIRE(c.Section("sender", &s).ok());
  std::optional<std::string> server;
  std::optional<int64_t> timeout;
  std::optional<bool> compress;
  REQUIRE(s.GetString("zabbix_server", &server).ok());
  REQUIRE(s.GetInt("timeout", 1, 300, &timeout).ok());
  REQUIRE(s.GetBool("compress", &compress).ok());
  CHECK(*server == "zbx");
  CHECK(*timeout == 30);
  CHECK(*compress);
}

TEST_CASE("config: absent keys and sections are not errors", "[config]") {
  Config c;
  REQUIRE(Config::Parse("", "z.toml", &c).ok());
  ConfigSection s;
  REQUIRE(c.Section("sender", &s).ok());
  std::optional<std::string> v;
  REQUIRE(s.GetString("host", &v).ok());
  CHECK_FALSE(v);
}

TEST_CASE("config: errors name file, line and key", "[config]") {
  Config c;
  REQUIRE(
      Config::Parse("[sender]\n\ntimeout = \"x\"\nport = 70000\ntypo = 1\n", "z.toml", &c).ok());
  ConfigSection s;
  REQUIRE(c.Section("sender", &s).ok());
  std::optional<int64_t> n;
  CHECK(s.GetInt("timeout", 1, 300, &n).message() ==
        "z.toml:3: sender.timeout: expected an integer");
  CHECK(s.GetInt("port", 1, 65535, &n).message() ==
        "z.toml:4: sender.port: 70000 is outside 1..65535");
  CHECK(s.CheckKnownKeys({"timeout", "port"}).message() == "z.toml:5: sender.typo: unknown key");
}

TEST_CASE("config: a table under a quoted key with a dot, named as it is written", "[config]") {
  Config c;
  REQUIRE(Config::Parse("[g.\"a.b\"]\nx = 1\n[g.c]\ny = 2\n", "z.toml", &c).ok());
  ConfigSection g, ab, missing;
  REQUIRE(c.Section("g", &g).ok());
  CHECK(g.Subsections() == std::vector<std::string>{"a.b", "c"});
  REQUIRE(g.Subsection("a.b", &ab).ok());  // the key whole, not g.a's b
  std::optional<int64_t> n;
  CHECK(ab.GetInt("x", 5, 9, &n).message() == "z.toml:2: g.\"a.b\".x: 1 is outside 5..9");
  REQUIRE(g.Subsection("nope", &missing).ok());
  CHECK(missing.Subsections().empty());
  REQUIRE(Config::Parse("[g]\n\"a.b\" = 1\n", "z.toml", &c).ok());
  REQUIRE(c.Section("g", &g).ok());
  CHECK(g.Subsection("a.b", &ab).message() == "z.toml:2: g.\"a.b\": expected a [g.\"a.b\"] table");
}

TEST_CASE("config: syntax errors name the line", "[config]") {
  Config c;
  auto s = Config::Parse("[sender]\ntimeout = = 3\n", "z.toml", &c);
  REQUIRE_FALSE(s.ok());
  CHECK(s.message().rfind("z.toml:2: ", 0) == 0);
}

TEST_CASE("config: a missing optional file is empty, a missing required one an error", "[config]") {
  Config c;
  CHECK(Config::Load("/nonexistent/zabitan.toml", false, &c).ok());
  CHECK_FALSE(Config::Load("/nonexistent/zabitan.toml", true, &c).ok());
}

TEST_CASE("config: code points toml++ 3.3.0 cannot classify never reach it outside strings",
          "[config]") {
  // Regressions (config_fuzz): toml++ 3.3.0 hits TOML_UNREACHABLE on U+00C4 and friends
  // outside strings, after a backslash and after a line-ending backslash.
  Config c;
  for (const char* text :
       {"[sender]\na\xc3\x84 = 1\n", "[sender]\na = 1\"\xc3\x84\"\n",
        "[sender]\ns= 0='h\xef\xb7\xa8\x02\n", "[sender]\n\"\"\"1\\\xef\xbb\xbe\"\"\"\n"}) {
    auto s = Config::Parse(text, "z.toml", &c);
    REQUIRE_FALSE(s.ok());
    CHECK(s.message().starts_with("z.toml:2: "));
    CHECK(s.message().find('\n') == std::string::npos);
  }
  auto s = Config::Parse("x = 1\ns = \"\"\"\\\n\n  \xc2\xa7\"\"\"\n", "z.toml", &c);
  REQUIRE_FALSE(s.ok());
  CHECK(s.message() ==
        "z.toml:4: toml++ 3.3.0 cannot read a non-ASCII character right after a line-ending "
        "backslash");
  // In keys, strings and comments they are fine.
  REQUIRE(Config::Parse("# h\xc3\xb6st\n\"\xc3\x84\" = 1\na . \"\xc3\x84\" = 2\n"
                        "v = [ # c\xc3\x84\n  \"\xc3\x84\",\n  '\xc3\x84' ]\nt = { \"\xc3\x84\" = "
                        "\"\xc3\x84\" }\n"
                        "m = \"\"\"\\\n  ascii \xc3\x84\"\"\"\n"
                        "[\"\xc3\xa9\"]\n[sender]\nhost = \"h\xc3\xb6st\"\nx = '''\n\xc3\x84\n'''\n"
                        "y = \"a\\\"\xc3\x84\"\n",
                        "z.toml", &c)
              .ok());
  ConfigSection sec;
  REQUIRE(c.Section("sender", &sec).ok());
  std::optional<std::string> host;
  REQUIRE(sec.GetString("host", &host).ok());
  CHECK(*host == "h\xc3\xb6st");
}

TEST_CASE("config: errors stay on one line whatever the file holds", "[config]") {
  // Regression (config_fuzz): toml++ quotes the offending input, newline and all.
  Config c;
  auto s = Config::Parse("x = n\n\n", "z.toml", &c);
  REQUIRE_FALSE(s.ok());
  CHECK(s.message().find('\n') == std::string::npos);
  REQUIRE(Config::Parse("[sender]\n\"a\\nb\" = 1\n", "z.toml", &c).ok());
  ConfigSection sec;
  REQUIRE(c.Section("sender", &sec).ok());
  CHECK(sec.CheckKnownKeys({"x"}).message().find('\n') == std::string::npos);
}

TEST_CASE("config: nested sections, their names, string lists", "[config]") {
  Config c;
  REQUIRE(Config::Parse(
              "[remote_cmd]\naudit_log = \"/a\"\n[remote_cmd.groups.web]\nhosts = [\"a\", \"b\"]\n"
              "[remote_cmd.groups.db]\nhosts = []\nbad = [1]\nnot_list = \"x\"\n",
              "z.toml", &c)
              .ok());
  ConfigSection groups;
  REQUIRE(c.Section("remote_cmd.groups", &groups).ok());
  CHECK(groups.Subsections() == std::vector<std::string>{"db", "web"});
  ConfigSection web;
  REQUIRE(c.Section("remote_cmd.groups.web", &web).ok());
  std::optional<std::vector<std::string>> hosts;
  REQUIRE(web.GetStringList("hosts", &hosts).ok());
  CHECK(*hosts == std::vector<std::string>{"a", "b"});
  ConfigSection db;
  REQUIRE(c.Section("remote_cmd.groups.db", &db).ok());
  REQUIRE(db.GetStringList("hosts", &hosts).ok());
  CHECK(hosts->empty());
  auto s = db.GetStringList("bad", &hosts);
  CHECK(s.message() == "z.toml:7: remote_cmd.groups.db.bad: expected an array of strings");
  CHECK_FALSE(db.GetStringList("not_list", &hosts).ok());
  ConfigSection missing;
  REQUIRE(c.Section("remote_cmd.groups.none", &missing).ok());
  CHECK(missing.Subsections().empty());
  CHECK_FALSE(c.Section("remote_cmd.audit_log", &missing).ok());
}

TEST_CASE("config: numbers are integers or floats, within bounds", "[config]") {
  Config c;
  REQUIRE(Config::Parse("[prom]\ninterval = 15\ntimeout = 2.5\nq = [0.5, 1]\nbad = \"1\"\n"
                        "big = 7.5\nlist = [0.5, \"x\"]\n",
                        "z.toml", &c)
              .ok());
  ConfigSection s;
  REQUIRE(c.Section("prom", &s).ok());
  std::optional<double> v;
  REQUIRE(s.GetDouble("interval", 0.1, 100, &v).ok());
  CHECK(*v == 15);
  REQUIRE(s.GetDouble("timeout", 0.1, 100, &v).ok());
  CHECK(*v == 2.5);
  REQUIRE(s.GetDouble("absent", 0.1, 100, &v).ok());
  CHECK_FALSE(v);
  CHECK(s.GetDouble("bad", 0, 10, &v).message() == "z.toml:5: prom.bad: expected a number");
  CHECK(s.GetDouble("big", 0, 5, &v).message() == "z.toml:6: prom.big: outside 0..5");
  std::optional<std::vector<double>> q;
  REQUIRE(s.GetDoubleList("q", 0, 1, &q).ok());
  CHECK(*q == std::vector<double>{0.5, 1});
  CHECK(s.GetDoubleList("list", 0, 1, &q).message() ==
        "z.toml:7: prom.list: expected an array of numbers");
  CHECK(s.GetDoubleList("q", 0, 0.9, &q).message() == "z.toml:4: prom.q: 2. value outside 0..0.9");
}
