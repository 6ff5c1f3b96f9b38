build/static/common/caps.o: common/caps.c common/caps.h common/ncbox.h
common/caps.h:
common/ncbox.h:
