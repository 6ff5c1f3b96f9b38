build/static/applets/container_poststart.o: applets/container_poststart.c \
 applets/../common/ncbox.h
applets/../common/ncbox.h:
