# ncbox as a static binary. Build it from this repository with
#   nix-build -E 'with import <nixpkgs> {}; pkgsStatic.callPackage ./scripts/nixos/package.nix {}'
# Under pkgsStatic the compiler is musl's and libmnl/libcap come as static archives built
# against musl, so the Makefile's Debian workarounds (build/musl-inc) are switched off.
#
# It stands in for pkgs.nixos-container (module.nix's overlay), so it takes the same
# override arguments; the dirs go to `make` (CONFDIR, STATEDIR).
{ lib, stdenv, libmnl, libcap
, configurationDirectory ? "/etc/nixos-containers"
, stateDirectory ? "/var/lib/nixos-containers"
}:

stdenv.mkDerivation {
  pname = "ncbox";
  version = "0.1.0";
  src = lib.cleanSource ../..;

  buildInputs = [ libmnl libcap ];

  makeFlags = [
    "MUSL_CC=${stdenv.cc.targetPrefix}cc"
    "MUSL_INC="
    "MNL_A=${lib.getLib libmnl}/lib/libmnl.a"
    "CAP_A=${lib.getLib libcap}/lib/libcap.a"
    "CONFDIR=${configurationDirectory}"
    "STATEDIR=${stateDirectory}"
  ];
  buildFlags = [ "build/ncbox" ];
  installFlags = [ "PREFIX=$(out)" ];
  # The tests need root, network namespaces and systemd-nspawn: `make check` outside Nix.
  doCheck = false;

  meta = {
    description = "One static binary for NixOS containers: the container module's scripts and nixos-container";
    license = lib.licenses.mit;
    platforms = lib.platforms.linux;
    mainProgram = "nixos-container";
  };
}
