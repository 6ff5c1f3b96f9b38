/* ready: a stage 2's READY=1 for a shell init, which cannot send one itself.
 *   ready PROGRAM [ARGS...]
 * Sends READY=1 to $NOTIFY_SOCKET, when set, then execs PROGRAM: nspawn takes the word
 * from the container's PID 1 only, and the exec keeps the PID. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n;
	int fd;

	if (argc < 2)
		return 2;
	if (path && *path && (n = strlen(path)) < sizeof(sa.sun_path) &&
	    (fd = socket(AF_UNIX, SOCK_DGRAM, 0)) >= 0) {
		memcpy(sa.sun_path, path, n);
		if (sa.sun_path[0] == '@')
			sa.sun_path[0] = 0;
		sendto(fd, "READY=1", 7, 0, (struct sockaddr *)&sa,
		       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n));
		close(fd);
	}
	execv(argv[1], argv + 1);
	return 127;
}
