// The sightline command: one binary with subcommands (serve, peer, demo).
#include <cstdio>

int main(int argc, char** argv) {
  (void)argc;
  (void)argv;
  std::fprintf(stderr, "sightline: no subcommands yet\n");
  return 2;
}
