package io.runnel.group;

import org.springframework.context.annotation.Configuration;
import org.springframework.http.converter.HttpMessageConverters;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** Registers the raw-bytes writer for member reads ahead of the JSON mapper. */
@Configuration(proxyBeanMethods = false)
class GroupWebConfig implements WebMvcConfigurer {
    @Override
    public void configureMessageConverters(HttpMessageConverters.ServerBuilder builder) {
        builder.addCustomConverter(new MemberRecordsWriter());
    }
}
