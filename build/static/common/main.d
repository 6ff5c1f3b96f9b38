build/static/common/main.o: common/main.c common/ncbox.h \
 common/../applets/applets.h
common/ncbox.h:
common/../applets/applets.h:
