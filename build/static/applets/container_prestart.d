build/static/applets/container_prestart.o: applets/container_prestart.c \
 applets/../common/ncbox.h
applets/../common/ncbox.h:
