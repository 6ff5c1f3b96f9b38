/* The open_by_handle_at escape (a container opening a host directory by its handle):
 *   fhandle get PATH               print PATH's handle as TYPE HEX
 *   fhandle open DIR TYPE HEX FILE open the handle on DIR's file system and print FILE
 *                                  below it; else "open_by_handle_at: REASON", exit 1
 * Static (musl), so that it runs inside busybox container roots. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct {
		struct file_handle h;
		unsigned char b[MAX_HANDLE_SZ];
	} f = { .h.handle_bytes = MAX_HANDLE_SZ };
	char buf[4096];
	int mnt, fd, file;
	ssize_t n;

	if (argc == 3 && !strcmp(argv[1], "get")) {
		if (name_to_handle_at(AT_FDCWD, argv[2], &f.h, &mnt, 0) < 0)
			return perror("name_to_handle_at"), 1;
		printf("%d ", f.h.handle_type);
		for (unsigned i = 0; i < f.h.handle_bytes; i++)
			printf("%02x", f.h.f_handle[i]);
		printf("\n");
		return 0;
	}
	if (argc != 6 || strcmp(argv[1], "open"))
		return fprintf(stderr, "usage: fhandle get PATH | open DIR TYPE HEX FILE\n"), 2;
	f.h.handle_type = atoi(argv[3]);
	for (f.h.handle_bytes = 0; argv[4][2 * f.h.handle_bytes] && f.h.handle_bytes < MAX_HANDLE_SZ;
	     f.h.handle_bytes++)
		sscanf(argv[4] + 2 * f.h.handle_bytes, "%2hhx", &f.h.f_handle[f.h.handle_bytes]);
	if ((mnt = open(argv[2], O_RDONLY | O_DIRECTORY)) < 0)
		return perror(argv[2]), 1;
	if ((fd = open_by_handle_at(mnt, &f.h, O_RDONLY | O_DIRECTORY)) < 0)
		return printf("open_by_handle_at: %s\n", strerror(errno)), 1;
	if ((file = openat(fd, argv[5], O_RDONLY)) < 0)
		return printf("opened, but %s: %s\n", argv[5], strerror(errno)), 1;
	while ((n = read(file, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	return 0;
}
