build/dev/common/util.o: common/util.c common/ncbox.h
common/ncbox.h:
