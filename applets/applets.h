/* The applet table: one line per applet, sorted by name. The name is what argv[0]
 * (or `ncbox NAME`) must say; ID_main and ID_usage live in applets/ID.c. */
#ifndef APPLETS_H
#define APPLETS_H

#define APPLETS(X)                                    \
	X("container-init", container_init)           \
	X("container-netns", container_netns)         \
	X("container-poststart", container_poststart) \
	X("container-prestart", container_prestart)   \
	X("container-start", container_start)         \
	X("container-supervise", container_supervise) \
	X("nixos-container", nixos_container)

#define X(name, id)                           \
	int id##_main(int argc, char **argv); \
	extern const char id##_usage[];
APPLETS(X)
#undef X

#endif
