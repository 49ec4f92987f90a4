#include "zabitan/remote_cmd/acting_module.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "zabitan/common/trusted_file.h"
#include "zabitan/remote_cmd/error.h"

namespace zabitan::remote_cmd {

void ActingModule::Close::operator()(void* handle) const { ::dlclose(handle); }

Status ActingModule::Load(ActingModule* module) {
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) {
    const int e = errno;
    return Status::Error(std::string("/proc/self/exe: ") + std::strerror(e),
                         {e, std::generic_category()});
  }
  self[n] = '\0';
  const std::string path = (std::filesystem::path(self).parent_path() / kActingModuleFromProgram)
                               .lexically_normal()
                               .string();
  // Loaded through the descriptor that was checked, not by its name: the file mapped is the
  // one that passed, whatever happens to the path meanwhile.
  UniqueFd fd;
  if (Status s = OpenTrustedFile(path, false, &fd); !s.ok()) {
    // Absent and refused are different faults (an incomplete install, or a file not to trust):
    // the message, already one line, stays; the code says which.
    std::error_code ec;
    const bool absent = !std::filesystem::exists(std::filesystem::symlink_status(path, ec));
    return Status::Error(s.message(), absent ? Errc::kModuleNotFound : Errc::kModuleFailed);
  }
  const std::string through = "/proc/self/fd/" + std::to_string(fd.get());
  ::dlerror();
  std::unique_ptr<void, Close> handle(
      ::dlopen(through.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE));
  if (!handle) return Status::Error(path + ": " + ::dlerror(), Errc::kModuleFailed);
  auto entry = reinterpret_cast<ActingEntry>(::dlsym(handle.get(), kActingEntry));
  if (entry == nullptr) {
    return Status::Error(path + ": no " + kActingEntry + " in it", Errc::kModuleFailed);
  }
  module->handle_ = std::move(handle);
  module->entry_ = entry;
  module->path_ = path;
  return Status::Ok();
}

int ActingModule::Act(Admission* admission, std::chrono::steady_clock::time_point start) const {
  assert(entry_ != nullptr);  // Act is only called on a module Load filled
  const ActingCall call{ZABITAN_VERSION, sizeof(Admission), admission, start};
  const int code = entry_(&call);
  if (code != kActingBuildMismatch) return code;
  admission->record.outcome = "failed";
  return Finish(admission->audit_log, admission->record,
                "failed: " + path_ +
                    " is from another build of zabitan than this program (" ZABITAN_VERSION ")",
                1);
}

}  // namespace zabitan::remote_cmd
