// zabitan — LineReader: reads lines from a file descriptor with a fixed-size buffer.
//
// Lines may be of any length (the buffer grows to the longest line, not the file); memory does
// not depend on how many lines there are. With a timeout, Next() waits at most that long for a
// complete line, for zabbix_sender's -r (real-time) mode on standard input.
// A last line without a newline is still a line. With a stop descriptor (the read end of a
// signal handler's pipe), reading ends once it is readable: the complete lines already read
// are still returned, then kStopped. Not thread-safe.
//
//   zabitan::sender::LineReader reader(fd);
//   std::string_view line;
//   while (reader.Next(&line) == LineReader::Result::kLine) { ... }
#ifndef ZABITAN_SENDER_LINE_READER_H_
#define ZABITAN_SENDER_LINE_READER_H_

#include <string>
#include <string_view>

namespace zabitan::sender {

class LineReader {
 public:
  enum class Result { kLine, kEof, kTimeout, kError, kStopped };

  explicit LineReader(int fd, int stop_fd = -1) : fd_(fd), stop_fd_(stop_fd) {}

  // kLine: *line holds the line without its '\n' (valid until the next call).
  // kTimeout: no complete line within timeout_ms (only when timeout_ms >= 0).
  // kError: read failed; error() says why.
  // kStopped: stop_fd became readable; nothing more is read (a partial last line is dropped).
  Result Next(std::string_view* line, int timeout_ms = -1);
  const std::string& error() const { return error_; }

 private:
  bool Fill(int timeout_ms, Result* result);

  int fd_;
  int stop_fd_;
  std::string buf_;
  size_t begin_ = 0;    // start of unread data in buf_
  size_t scanned_ = 0;  // bytes from begin_ already known to hold no '\n'
  bool eof_ = false;
  std::string error_;
};

}  // namespace zabitan::sender

#endif  // ZABITAN_SENDER_LINE_READER_H_
