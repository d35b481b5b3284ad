// iamforge::sdk::main: an SDK program runs iamforge's command line on its rendered stack.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "commands.hpp"
#include "iamforge/sdk/sdk.hpp"

namespace iamforge::sdk {

int main(const Program& program, int argc, char** argv) {
  cli::EmbeddedStack stack;
  stack.text = program.to_yaml();
  // The rendered YAML is kept beside the state, so that what the program means can be read and
  // the line numbers of diagnostics looked up.
  const std::filesystem::path dir = ".iamforge";
  stack.path = (dir / (program.name() + ".sdk.yaml")).string();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (!ec) {
    const auto tmp = stack.path + ".tmp";
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << stack.text;
    out.close();
    if (out) std::filesystem::rename(tmp, stack.path, ec);
  }
  stack.origin = [&program](std::uint32_t line) -> std::string {
    const auto* o = program.origin_of(line);
    if (!o) return "";
    return std::filesystem::path(o->file).filename().string() + ":" + std::to_string(o->line);
  };
  return cli::run(argc, argv, &stack);
}

}  // namespace iamforge::sdk
