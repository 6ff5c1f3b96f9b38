build/dev/common/err.o: common/err.c common/ncbox.h
common/ncbox.h:
