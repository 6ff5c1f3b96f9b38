build/static/common/glibc_compat.o: common/glibc_compat.c
