build/static/applets/container_init.o: applets/container_init.c \
 applets/../common/ncbox.h
applets/../common/ncbox.h:
