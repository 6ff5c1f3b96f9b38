# Make the NixOS containers module use ncbox's applets instead of its generated scripts,
# for imperative containers (the container@ template) and declarative ones
# (container@NAME), and put ncbox's nixos-container first on PATH.
#
#   imports = [ /path/to/ncbox/scripts/nixos/module.nix ];
#   services.ncbox.enable = true;
#
# The options the module bakes into its scripts reach the applets as environment
# variables of the unit: EXTRA_VETHS, ADDITIONAL_CAPABILITIES, TMPFS, EPHEMERAL.
{ config, lib, pkgs, ... }:

let
  inherit (lib) concatStringsSep mapAttrsToList optional optionals;
  cfg = config.services.ncbox;
  bin = "${cfg.package}/bin";

  vethEntry = name: v: concatStringsSep "," ([ name ]
    ++ optional (v.hostBridge != null) "hostBridge=${v.hostBridge}"
    ++ optional (v.hostAddress != null) "hostAddress=${v.hostAddress}"
    ++ optional (v.hostAddress6 != null) "hostAddress6=${v.hostAddress6}"
    ++ optional (v.localAddress != null) "localAddress=${v.localAddress}"
    ++ optional (v.localAddress6 != null) "localAddress6=${v.localAddress6}");

  bakedEnv = c: {
    EXTRA_VETHS = concatStringsSep " " (mapAttrsToList vethEntry c.extraVeths);
    ADDITIONAL_CAPABILITIES = concatStringsSep " "
      (c.additionalCapabilities ++ optional c.enableTun "CAP_NET_ADMIN");
    TMPFS = concatStringsSep " " c.tmpfs;
    EPHEMERAL = if c.ephemeral then "1" else "";
  };

  applets = {
    preStart = lib.mkForce "";
    script = lib.mkForce "";
    postStart = lib.mkForce "";
    serviceConfig = {
      # The supervisor runs prestart, nspawn (its child), poststart and the cleanup, and
      # restarts on reboot itself: the module's RestartForceExitStatus=133 never fires.
      ExecStart = lib.mkForce "${bin}/container-supervise";
      NotifyAccess = "main";
      TimeoutStopSec = "100s";
      # SYSTEM_PATH as $1, empty for imperative containers: the profile then, as upstream.
      ExecReload = lib.mkForce
        "${bin}/nixos-container run %i -- bash --login -c \"$${1:-/nix/var/nix/profiles/system}/bin/switch-to-configuration test\" reload \"\${SYSTEM_PATH}\"";
    };
  };
in
{
  options.services.ncbox = {
    enable = lib.mkEnableOption "ncbox in place of the containers module's scripts";
    package = lib.mkOption {
      type = lib.types.package;
      default = pkgs.pkgsStatic.callPackage ./package.nix { };
      description = "The ncbox package (static by default).";
    };
  };

  config = lib.mkIf (cfg.enable && config.boot.enableContainers) {
    systemd.services = {
      "container@" = applets;
    } // lib.mapAttrs' (name: c: lib.nameValuePair "container@${name}"
      (applets // { environment = bakedEnv c; })) config.containers;

    # ncbox's nixos-container wins over the Perl one that the containers module installs.
    environment.systemPackages = [ (lib.hiPrio cfg.package) ];
  };
}
