build/static/common/err.o: common/err.c common/ncbox.h
common/ncbox.h:
