build/static/applets/container_start.o: applets/container_start.c \
 applets/../common/ncbox.h
applets/../common/ncbox.h:
