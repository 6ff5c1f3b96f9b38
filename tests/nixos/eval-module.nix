# Evaluates scripts/nixos/module.nix and package.nix without nixpkgs: a stub of the few lib
# functions they use (mkIf, mkForce as nixpkgs represents them), and a pkgs with nothing
# but pkgsStatic.callPackage, so that any other package the module touched (bash,
# iproute2, perl) would fail the evaluation. Prints what tests/nixos-module.test checks.
{ stateVersion ? "24.11", containers ? { }, nixEnable ? true }:
let
  lib = rec {
    inherit (builtins) concatStringsSep;
    mapAttrsToList = f: s: map (n: f n s.${n}) (builtins.attrNames s);
    optional = c: x: if c then [ x ] else [ ];
    versionAtLeast = a: b: builtins.compareVersions a b >= 0;
    mkIf = condition: content: { _type = "if"; inherit condition content; };
    mkForce = content: { _type = "override"; priority = 50; inherit content; };
    mkOption = o: o;
    mkEnableOption = d: { default = false; description = d; };
    types = { package = "package"; str = "str"; };
    nameValuePair = name: value: { inherit name value; };
    "mapAttrs'" = f: s: builtins.listToAttrs (mapAttrsToList f s);
    cleanSource = p: p;
    getLib = p: p;
    licenses.mit = "mit";
    platforms.linux = [ "x86_64-linux" ];
  };
  # callPackage: the package function's own arguments, overridable as nixpkgs makes them
  callPackage = f: args:
    let
      fn = import f;
      call = a: (fn ({
        inherit lib;
        stdenv = { mkDerivation = d: d; cc.targetPrefix = "x86_64-unknown-linux-musl-"; };
        libmnl = "/nix/store/stub-libmnl";
        libcap = "/nix/store/stub-libcap";
      } // a)) // { override = b: call (a // b); outPath = "/nix/store/stub-ncbox"; };
    in call args;
  pkgs = { pkgsStatic.callPackage = callPackage; };
  config = {
    services.ncbox = builtins.mapAttrs (n: o: o.default) m.options.services.ncbox // { enable = true; };
    boot.enableContainers = true;
    system.stateVersion = stateVersion;
    systemd.package = "/nix/store/stub-systemd";
    nix.enable = nixEnable;
    nix.package = "/nix/store/stub-nix";
    inherit containers;
  };
  m = import ../../scripts/nixos/module.nix { inherit config lib pkgs; };
  c = m.config;
  force = x: if builtins.isAttrs x && x ? _type then x.content else x;
  unit = u: builtins.mapAttrs (k: v: if k == "serviceConfig" then builtins.mapAttrs (_: force) v else force v) u;
  # the overlay over a nixpkgs whose nixos-container is the Perl tool
  overlaid = (builtins.head c.content.nixpkgs.overlays) { } { nixos-container = "perl"; };
  # as the containers module calls it
  upstreamCall = overlaid.nixos-container.override {
    configurationDirectory = "/etc/x"; stateDirectory = "/var/lib/x";
  };
in {
  enabled = c.condition;
  services = builtins.mapAttrs (_: unit) c.content.systemd.services;
  variables = c.content.environment.variables;
  overlayMakeFlags = overlaid.nixos-container.makeFlags;
  overlayMainProgram = overlaid.nixos-container.meta.mainProgram;
  upstreamMakeFlags = upstreamCall.makeFlags;
}
