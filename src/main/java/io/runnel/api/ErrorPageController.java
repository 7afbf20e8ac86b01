package io.runnel.api;

import io.runnel.error.ErrorCode;
import io.runnel.error.RunnelException;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Answers errors raised outside Spring MVC's handlers (the servlet container refusing a request
 * before it reaches a controller) with the same problem details as everything else.
 */
@io.swagger.v3.oas.annotations.Hidden
@RestController
class ErrorPageController implements ErrorController {

    @RequestMapping("/error")
    ResponseEntity<ProblemDetail> error(HttpServletRequest request) {
        Object status = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        int code = status instanceof Integer s ? s : 500;
        ErrorCode errorCode = ErrorCode.forServerRefusal(code);
        RunnelException api = new RunnelException(errorCode, "the request was refused: " + HttpStatus.valueOf(code).getReasonPhrase());
        ResponseEntity<ProblemDetail> response = Problems.response(api);
        ProblemDetail body = response.getBody();
        body.setStatus(code);
        return ResponseEntity.status(code).headers(response.getHeaders()).body(body);
    }
}
