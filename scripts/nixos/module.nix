# Make the NixOS containers module run ncbox's applets instead of its generated scripts,
# for imperative containers (the container@ template) and declarative ones
# (container@NAME), and make ncbox the system's nixos-container.
#
#   imports = [ /path/to/ncbox/scripts/nixos/module.nix ];
#   services.ncbox.enable = true;
#   boot.enableContainers = true;   # the minimal profile turns containers off
#
# With it, nothing the containers module puts in the host's closure holds Perl or bash:
# - an overlay replaces pkgs.nixos-container (the Perl tool, with su and util-linux), so
#   the containers module's own `pkgs.nixos-container.override { ... }` and its
#   environment.systemPackages get ncbox;
# - the units' preStart, script and postStart (bash over iproute2, with containerInit)
#   are replaced by the applets, and their PATH holds only systemd and Nix;
# - ExecReload runs switch-to-configuration through nixos-container run, with no
#   `bash --login -c` in the container and no reload script on the host.
# The options the module bakes into its scripts reach the applets as environment
# variables of the unit: EXTRA_VETHS, ADDITIONAL_CAPABILITIES, TMPFS, EPHEMERAL; the config,
# state and run dirs as NCBOX_CONFIG_DIR, NCBOX_STATE_DIR, NCBOX_RUN_DIR.
{ config, lib, pkgs, ... }:

let
  inherit (lib) concatStringsSep mapAttrsToList optional;
  cfg = config.services.ncbox;
  bin = "${cfg.package}/bin";
  # The containers module's dirs: "nixos-containers" from stateVersion 22.05 on.
  dirName = (if lib.versionAtLeast config.system.stateVersion "22.05" then "nixos-" else "") + "containers";

  vethEntry = name: v: concatStringsSep "," ([ name ]
    ++ optional (v.hostBridge != null) "hostBridge=${v.hostBridge}"
    ++ optional (v.hostAddress != null) "hostAddress=${v.hostAddress}"
    ++ optional (v.hostAddress6 != null) "hostAddress6=${v.hostAddress6}"
    ++ optional (v.localAddress != null) "localAddress=${v.localAddress}"
    ++ optional (v.localAddress6 != null) "localAddress6=${v.localAddress6}");

  dirsEnv = {
    NCBOX_CONFIG_DIR = cfg.configDir;
    NCBOX_STATE_DIR = cfg.stateDir;
    NCBOX_RUN_DIR = cfg.runDir;
  };

  bakedEnv = c: {
    EXTRA_VETHS = concatStringsSep " " (mapAttrsToList vethEntry c.extraVeths);
    ADDITIONAL_CAPABILITIES = concatStringsSep " "
      (c.additionalCapabilities ++ optional c.enableTun "CAP_NET_ADMIN");
    TMPFS = concatStringsSep " " c.tmpfs;
    EPHEMERAL = if c.ephemeral then "1" else "";
  };

  # The system to switch to, as the container sees it: a declarative container's path, else
  # its profile (a flake's or an imperative container's; nspawn binds the per-container
  # profiles dir on /nix/var/nix/profiles).
  reloadPath = c: if c == null || (c.flake or null) != null
    then "/nix/var/nix/profiles/system" else c.path;

  # C: the declarative container's options, null for the template.
  applets = name: c: {
    preStart = lib.mkForce "";
    script = lib.mkForce "";
    postStart = lib.mkForce "";
    path = lib.mkForce ([ config.systemd.package ] ++ optional config.nix.enable config.nix.package);
    environment = dirsEnv
      // { NCBOX_NSPAWN = "${config.systemd.package}/bin/systemd-nspawn"; }
      // (if c == null then { } else bakedEnv c);
    serviceConfig = {
      # The supervisor runs prestart, nspawn (its child), poststart and the cleanup, and
      # restarts on reboot itself: the module's RestartForceExitStatus=133 never fires.
      ExecStart = lib.mkForce "${bin}/container-supervise";
      NotifyAccess = "main";
      TimeoutStopSec = "110s"; # above the supervisor's worst stop (see container@.service)
      ExecReload = lib.mkForce
        "${bin}/nixos-container run ${name} -- ${reloadPath c}/bin/switch-to-configuration test";
    };
  };
in
{
  options.services.ncbox = {
    enable = lib.mkEnableOption "ncbox in place of the containers module's scripts and Perl nixos-container";
    package = lib.mkOption {
      type = lib.types.package;
      default = pkgs.pkgsStatic.callPackage ./package.nix { };
      description = "The ncbox package (static by default).";
    };
    configDir = lib.mkOption {
      type = lib.types.str;
      default = "/etc/${dirName}";
      description = "Where the containers' NAME.conf files are (the containers module's).";
    };
    stateDir = lib.mkOption {
      type = lib.types.str;
      default = "/var/lib/${dirName}";
      description = "Where the containers' roots are (the containers module's).";
    };
    runDir = lib.mkOption {
      type = lib.types.str;
      default = "/run/${dirName}";
      description = "Runtime files and ephemeral roots (the containers module's).";
    };
  };

  config = lib.mkIf (cfg.enable && config.boot.enableContainers) {
    nixpkgs.overlays = [
      (final: prev: {
        nixos-container = cfg.package.override {
          configurationDirectory = cfg.configDir;
          stateDirectory = cfg.stateDir;
        };
      })
    ];

    systemd.services = {
      "container@" = applets "%i" null;
    } // lib.mapAttrs' (name: c: lib.nameValuePair "container@${name}" (applets name c)) config.containers;

    # For nixos-container run by hand (the package bakes them in too, once built with them).
    environment.variables = dirsEnv;
  };
}
